import { SwitchboardError } from '../errors.js';
import type { Authenticator, Credentials, Identity } from './authenticator.js';

/**
 * Where the server roles a JWT or the webhook presented are kept (the store's accounts:
 * setPresentedRoles / presentedRoles), so that they are known when the user is a moderation
 * target on any node, connected or not.
 */
export interface PresentedRoles {
  set(user: string, roles: string[]): Promise<void>;
  get(user: string): Promise<string[]>;
}

/** Users whose last written roles this node remembers, to skip writing the same again. */
const WRITTEN_MAX = 10_000;
/**
 * How long this node trusts what it wrote: another node may have written other roles for the
 * user since (a newer credential), so after this the same roles are written again.
 */
const WRITTEN_TTL_MS = 60_000;

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
  /** Keeps the roles JWT and webhook identities present (serverRoles). Default: not kept. */
  presented?: PresentedRoles;
}

/**
 * Sends each hello to the authenticator of its credential kind: a `jwt` to the JWT
 * authenticator; otherwise the webhook when one is configured (it gets the credential as
 * presented); otherwise, or when the webhook fails open, the base authenticator.
 */
export class AuthChain implements Authenticator {
  /** user → the roles (space-joined) this node last wrote for them, and when (PresentedRoles). */
  readonly #written = new Map<string, { roles: string; at: number }>();

  constructor(private readonly opts: AuthChainOptions) {}

  async authenticate(credentials: Credentials): Promise<Identity> {
    const { base, jwt, webhook } = this.opts;
    if (credentials.jwt !== undefined && jwt)
      return this.#present(await jwt.authenticate({ jwt: credentials.jwt }));
    if (webhook) {
      try {
        return this.#present(await webhook.authenticate(credentials));
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
   * Records the roles a JWT or webhook identity presents, unless this node wrote the same for the
   * user within WRITTEN_TTL_MS (a reconnect storm is not a write per hello). A failed write does
   * not refuse the hello: it is tried again at the user's next one.
   */
  async #present(identity: Identity): Promise<Identity> {
    const { presented } = this.opts;
    if (!presented) return identity;
    const roles = [...(identity.roles ?? [])].sort();
    const joined = roles.join(' ');
    const now = Date.now();
    const last = this.#written.get(identity.user);
    if (last && last.roles === joined && now - last.at < WRITTEN_TTL_MS) return identity;
    try {
      await presented.set(identity.user, roles);
      this.#written.delete(identity.user);
      if (this.#written.size >= WRITTEN_MAX)
        this.#written.delete(this.#written.keys().next().value!);
      this.#written.set(identity.user, { roles: joined, at: now });
    } catch {
      this.#written.delete(identity.user);
    }
    return identity;
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

  /** The base authenticator's (an account's roles) and those a JWT or webhook last presented. */
  async serverRoles(user: string): Promise<readonly string[]> {
    const [own, presented] = await Promise.all([
      this.opts.base.serverRoles?.(user),
      this.opts.presented?.get(user),
    ]);
    return [...new Set([...(own ?? []), ...(presented ?? [])])];
  }
}
