import { SwitchboardError } from '../errors.js';
import type { Authenticator, Credentials, Identity } from './authenticator.js';

export interface AuthChainOptions {
  /** Handles and session tokens: the guest (handle) or account authenticator. */
  base: Authenticator;
  /** Verifies `jwt` credentials. Default none: a JWT is refused unless the webhook takes it. */
  jwt?: Authenticator;
  /** Decides every credential the JWT authenticator does not take. Default none. */
  webhook?: Authenticator;
  /**
   * When the webhook is unavailable (SB_ERR_AUTH_UNAVAILABLE), let the base authenticator decide
   * instead of refusing the hello. Default false (fail closed).
   */
  webhookFailOpen?: boolean;
  /**
   * Whether a user who never had a base session exists (e.g. has channels): such a user came
   * through the JWT or webhook authenticator, and a guest may not claim their name. Default: no.
   */
  knownUser?: (user: string) => Promise<boolean>;
}

/**
 * Sends each hello to the authenticator of its credential kind: a `jwt` to the JWT
 * authenticator; otherwise the webhook when one is configured (it gets the credential as
 * presented); otherwise, or when the webhook fails open, the base authenticator.
 */
export class AuthChain implements Authenticator {
  constructor(private readonly opts: AuthChainOptions) {}

  async authenticate(credentials: Credentials): Promise<Identity> {
    const { base, jwt, webhook } = this.opts;
    if (credentials.jwt !== undefined && jwt) return jwt.authenticate({ jwt: credentials.jwt });
    if (webhook) {
      try {
        return await webhook.authenticate(credentials);
      } catch (err) {
        const unavailable =
          err instanceof SwitchboardError && err.code === 'SB_ERR_AUTH_UNAVAILABLE';
        if (!unavailable || !this.opts.webhookFailOpen || credentials.jwt !== undefined) throw err;
      }
    }
    if (credentials.jwt !== undefined)
      throw new SwitchboardError('SB_ERR_JWT_INVALID', 'this server accepts no JWTs');
    if (credentials.token === undefined && credentials.handle !== undefined)
      await this.#guardClaim(credentials.handle.toLowerCase());
    return base.authenticate(credentials);
  }

  /**
   * Guests and external users share one namespace: a name with channels but no base session
   * belongs to a JWT or webhook user, and a guest claiming it would get their rooms and DMs.
   */
  async #guardClaim(handle: string): Promise<void> {
    const { base, knownUser } = this.opts;
    if (knownUser && !(await base.exists(handle)) && (await knownUser(handle)))
      throw new SwitchboardError('SB_ERR_HANDLE_TAKEN');
  }

  async exists(user: string): Promise<boolean> {
    if (await this.opts.base.exists(user)) return true;
    return this.opts.knownUser ? this.opts.knownUser(user) : false;
  }

  /** The base authenticator's: JWT and webhook roles come with a credential and are not kept. */
  async serverRoles(user: string): Promise<readonly string[]> {
    return (await this.opts.base.serverRoles?.(user)) ?? [];
  }
}
