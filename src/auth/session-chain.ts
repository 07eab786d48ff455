import { SwitchboardError } from '../errors.js';
import type { Authenticator, Credentials, Identity } from './authenticator.js';

export interface SessionChainOptions {
  /** Whether `hello {handle}` (a guest) is allowed; if not it rejects SB_ERR_GUESTS_DISABLED. */
  guests: boolean;
}

/**
 * The session authenticators of the `--auth` modes (accounts, then guests), tried in order; built
 * by src/server/authenticators.ts and used as the `base` of ./chain.ts `AuthChain`, which sends
 * JWTs and webhook decisions elsewhere. The first identity wins; an authenticator that does not know the
 * credentials rejects SB_ERR_TOKEN_INVALID and the next one is asked; any other error is the
 * answer. A user exists when any of them knows it.
 */
export class SessionChain implements Authenticator {
  constructor(
    private readonly links: readonly Authenticator[],
    private readonly options: SessionChainOptions,
  ) {}

  async authenticate(credentials: Credentials): Promise<Identity> {
    const guest = credentials.token === undefined && credentials.jwt === undefined;
    if (guest && credentials.handle !== undefined && !this.options.guests) {
      throw new SwitchboardError('SB_ERR_GUESTS_DISABLED');
    }
    let last: unknown = new SwitchboardError('SB_ERR_TOKEN_INVALID');
    for (const link of this.links) {
      try {
        return await link.authenticate(credentials);
      } catch (err) {
        if (!(err instanceof SwitchboardError && err.code === 'SB_ERR_TOKEN_INVALID')) throw err;
        last = err;
      }
    }
    throw last;
  }

  async exists(user: string): Promise<boolean> {
    for (const link of this.links) if (await link.exists(user)) return true;
    return false;
  }

  /** The roles of the first link that knows any for the user. */
  async serverRoles(user: string): Promise<readonly string[]> {
    for (const link of this.links) {
      const roles = (await link.serverRoles?.(user)) ?? [];
      if (roles.length > 0) return roles;
    }
    return [];
  }
}
