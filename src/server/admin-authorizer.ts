/**
 * Who may manage webhooks until API keys exist: a server admin's account session, as
 * `Authorization: Bearer <session token>`. One function, the seam the API-key scopes replace.
 */
import type { IncomingMessage } from 'node:http';
import type { AccountService } from '../auth/accounts.js';
import { SERVER_ADMIN_ROLE } from '../core/permissions.js';
import { SwitchboardError } from '../errors.js';
import { bearer } from '../http/auth-routes.js';

export function adminAuthorizer(
  accounts: AccountService,
): (req: IncomingMessage, scope: string) => Promise<void> {
  return async (req) => {
    const session = await accounts.session(bearer(req));
    if (!session) throw new SwitchboardError('SB_ERR_TOKEN_INVALID');
    const account = await accounts.account(session.handle);
    if (!account?.roles.includes(SERVER_ADMIN_ROLE))
      throw new SwitchboardError('SB_ERR_FORBIDDEN', 'server admins only');
  };
}
