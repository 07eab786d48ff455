import { randomBytes } from 'node:crypto';
import { SwitchboardError } from '../errors.js';
import { HANDLE_RE } from '../protocol/frames.js';
import type { Authenticator, Credentials, Identity } from './authenticator.js';
import type { SessionStore } from './session-store.js';
import { hashToken } from './token-hash.js';

export interface HandleAuthenticatorOptions {
  sessions: SessionStore;
  /** Session lifetime, slid forward on every token hello, in ms. */
  ttlMs: number;
  /** Clock in ms since the epoch. Default Date.now. */
  now?: () => number;
  /**
   * Called when a handle is claimed that had a session before (an expired one): the handle now
   * names a new person, who must not inherit the previous owner's rooms and DMs. The server
   * wires it to `ChannelStore.forgetUser`. Runs after the claim is won and before the identity is
   * returned; if it rejects, the claim is given up again (the handle stays free) and the error
   * is the claimant's.
   */
  onReclaim?: (handle: string) => Promise<void>;
}

/**
 * Identity by handle: the first claimant of a free handle gets a random bearer token; only its
 * SHA-256 is stored. A handle is free when it never had a session or its session expired.
 * When both token and handle are given, the token decides and the handle is ignored.
 * Claiming a handle whose session expired makes a new person of that name: `onReclaim` lets the
 * server forget the previous owner's memberships first.
 */
export class HandleAuthenticator implements Authenticator {
  readonly #sessions: SessionStore;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #onReclaim: ((handle: string) => Promise<void>) | null;

  constructor(options: HandleAuthenticatorOptions) {
    this.#sessions = options.sessions;
    this.#ttlMs = options.ttlMs;
    this.#now = options.now ?? Date.now;
    this.#onReclaim = options.onReclaim ?? null;
  }

  async authenticate(credentials: Credentials): Promise<Identity> {
    if (credentials.token !== undefined) return this.#resume(credentials.token);
    if (credentials.handle !== undefined) return this.#claim(credentials.handle);
    throw new SwitchboardError('SB_ERR_HANDLE_INVALID', 'give a handle or a token');
  }

  async exists(user: string): Promise<boolean> {
    return (await this.#sessions.sessionsByHandle(user)).length > 0;
  }

  async #resume(token: string): Promise<Identity> {
    const session = await this.#sessions.sessionByTokenHash(hashToken(token));
    if (!session) throw new SwitchboardError('SB_ERR_TOKEN_INVALID');
    const now = this.#now();
    if (session.expiresAt <= now) throw new SwitchboardError('SB_ERR_TOKEN_EXPIRED');
    // Slide the expiry only once it has moved by a step (1% of the ttl, at most a minute):
    // a reconnect storm then costs no store writes, and the expiry is still within one step.
    const step = Math.min(this.#ttlMs / 100, 60_000);
    if (session.expiresAt - now > this.#ttlMs - step) {
      return { user: session.handle, token, expiresAt: session.expiresAt };
    }
    const expiresAt = now + this.#ttlMs;
    // Gone since the read: it expired meanwhile and someone new claimed the handle.
    if (!(await this.#sessions.setSessionExpiry(session.tokenHash, expiresAt)))
      throw new SwitchboardError('SB_ERR_TOKEN_EXPIRED');
    return { user: session.handle, token, expiresAt };
  }

  // claimSession is atomic in the store, so two claimants racing for a free handle cannot both
  // win, not even on different nodes sharing the store. Only the winner runs onReclaim.
  async #claim(rawHandle: string): Promise<Identity> {
    const handle = rawHandle.toLowerCase();
    if (!HANDLE_RE.test(handle)) throw new SwitchboardError('SB_ERR_HANDLE_INVALID');
    const now = this.#now();
    // A session, even an expired one, means the handle belonged to someone before.
    const previous = this.#onReclaim ? await this.#sessions.sessionsByHandle(handle) : [];
    if (previous.some((s) => s.expiresAt > now)) throw new SwitchboardError('SB_ERR_HANDLE_TAKEN');
    const token = randomBytes(32).toString('base64url');
    const expiresAt = now + this.#ttlMs;
    const tokenHash = hashToken(token);
    const won = await this.#sessions.claimSession(
      { handle, tokenHash, createdAt: now, expiresAt },
      now,
    );
    if (!won) throw new SwitchboardError('SB_ERR_HANDLE_TAKEN');
    if (previous.length > 0 && this.#onReclaim) {
      try {
        await this.#onReclaim(handle);
      } catch (err) {
        // Free the handle again by ending the new session: it stays, so the handle stays known
        // and the next claimant forgets again.
        await this.#sessions.setSessionExpiry(tokenHash, now).catch(() => {});
        throw err;
      }
    }
    return { user: handle, token, expiresAt };
  }
}
