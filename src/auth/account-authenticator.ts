import { SwitchboardError } from '../errors.js';
import type { AccountService } from './accounts.js';
import type { Authenticator, Credentials, Identity } from './authenticator.js';

/**
 * Identity by account session token (issued by register, login or upgrade): the same token
 * semantics as a guest's (sliding expiry), plus the session id, so that revoking the session
 * closes exactly its connections, and the display name. A token that is no account session,
 * and any credentials without a token, reject SB_ERR_TOKEN_INVALID: the next authenticator of a
 * SessionChain may know them. A revoked session's token is unknown: SB_ERR_TOKEN_INVALID.
 */
export class AccountAuthenticator implements Authenticator {
  constructor(private readonly accounts: AccountService) {}

  async authenticate(credentials: Credentials): Promise<Identity> {
    if (credentials.token === undefined) throw new SwitchboardError('SB_ERR_TOKEN_INVALID');
    const session = await this.accounts.session(credentials.token);
    if (!session) throw new SwitchboardError('SB_ERR_TOKEN_INVALID');
    const account = await this.accounts.account(session.handle);
    if (!account) throw new SwitchboardError('SB_ERR_TOKEN_INVALID');
    return {
      user: session.handle,
      token: credentials.token,
      expiresAt: session.expiresAt,
      sessionId: session.id,
      ...(account.name !== null ? { name: account.name } : {}),
      ...(account.roles.length > 0 ? { roles: account.roles } : {}),
    };
  }

  async exists(user: string): Promise<boolean> {
    return (await this.accounts.account(user)) !== null;
  }

  async serverRoles(user: string): Promise<readonly string[]> {
    return (await this.accounts.account(user))?.roles ?? [];
  }
}
