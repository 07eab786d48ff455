/**
 * Who may manage webhooks: an API key with the `webhooks:write` scope (or `admin`), rate
 * limited like every API call, or a server admin's account session, both as
 * `Authorization: Bearer <key or session token>`. One function, the webhook routes' only seam.
 */
import type { IncomingMessage } from 'node:http';
import type { AccountService } from '../auth/accounts.js';
import { SERVER_ADMIN_ROLE } from '../core/permissions.js';
import { SwitchboardError } from '../errors.js';
import { API_KEY_PREFIX, type ApiKeys } from '../http/api/api-keys.js';
import { hasScope } from '../http/api/scopes.js';
import { bearer } from '../http/auth-routes.js';

export function adminAuthorizer(
  accounts: AccountService,
  keys?: ApiKeys,
): (req: IncomingMessage, scope: string) => Promise<void> {
  return async (req) => {
    const token = bearer(req);
    if (keys && token.startsWith(API_KEY_PREFIX)) {
      const key = await keys.authenticate(token);
      keys.admit(key.id);
      // Reading subscriptions shows their URLs and state: the same scope as changing them.
      if (!hasScope(key.scopes, 'webhooks:write'))
        throw new SwitchboardError('SB_ERR_API_SCOPE_MISSING', 'needs scope webhooks:write');
      return;
    }
    const session = await accounts.session(token);
    if (!session) throw new SwitchboardError('SB_ERR_TOKEN_INVALID');
    const account = await accounts.account(session.handle);
    if (!account?.roles.includes(SERVER_ADMIN_ROLE))
      throw new SwitchboardError('SB_ERR_FORBIDDEN', 'server admins only');
  };
}
