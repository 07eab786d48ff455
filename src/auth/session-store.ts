/**
 * The session seam: where HandleAuthenticator (src/auth/handle.ts) keeps who holds which
 * handle. A session is one bearer token of one user, keyed by the token's SHA-256; the token
 * itself is never stored.
 *
 * Guarantees every implementation gives (checked by test/auth/session-store-conformance.ts):
 * - `claimSession` is atomic, even between processes and nodes sharing the store: of several
 *   claims of one free handle exactly one resolves true.
 * - A winning claim ends every earlier session of the handle: their token hashes are no longer
 *   found. It is the only way a session is added, so today a handle has at most one.
 * - Expired sessions are kept (found by token hash and by handle) until a claim replaces them:
 *   a handle that ever had a session stays known.
 * - Backend failures reject with a SwitchboardError (SB_ERR_STORE_UNAVAILABLE) whose `cause` is
 *   the driver error.
 *
 * Guests keep one session per handle here. Accounts keep one session per device in the
 * AccountStore (./account-store.ts); an account holds its handle here with a never-expiring row
 * whose token hash is no SHA-256 (src/store/account-hold.ts), so no guest claim ever wins it.
 */

export interface Session {
  /** SHA-256 of the token, hex: the session's key. */
  tokenHash: string;
  handle: string;
  createdAt: number;
  expiresAt: number;
}

export interface SessionStore {
  /** The session of a token, by the token's hash; null when unknown. Expired ones too. */
  sessionByTokenHash(tokenHash: string): Promise<Session | null>;
  /** Every session of `handle`, expired ones too, oldest first; [] when it never had one. */
  sessionsByHandle(handle: string): Promise<Session[]>;
  /**
   * Atomically make `session` the only session of `session.handle` if none of the handle's
   * sessions is unexpired at `now` (expiresAt > now); otherwise resolve false and change nothing.
   */
  claimSession(session: Session, now: number): Promise<boolean>;
  /**
   * Set when the session of `tokenHash` expires: later to slide it, `now` to end it while the
   * handle stays known. Resolves false, changing nothing, when no session has that hash.
   */
  setSessionExpiry(tokenHash: string, expiresAt: number): Promise<boolean>;
}
