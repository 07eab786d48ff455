/**
 * The authenticator seam: turns the credentials of a hello frame into an identity.
 *
 * Guarantees (checked by test/auth/conformance.ts):
 * - A fresh `handle` yields an identity and a new token; a handle held by an unexpired session
 *   of someone else rejects SB_ERR_HANDLE_TAKEN.
 * - A valid `token` yields the same user again and extends the session (sliding expiry).
 * - An unknown token rejects SB_ERR_TOKEN_INVALID, an expired one SB_ERR_TOKEN_EXPIRED.
 * - Malformed handles reject SB_ERR_HANDLE_INVALID.
 */

export interface Credentials {
  handle?: string | undefined;
  token?: string | undefined;
  /** A JWT issued by the operator's identity provider (authenticators that verify JWTs). */
  jwt?: string | undefined;
}

export interface Identity {
  user: string;
  /**
   * Token the client presents next time; may be the same as the one given. '' when the
   * authenticator keeps no session (a JWT, a webhook decision): the hello reply then has none.
   */
  token: string;
  expiresAt: number;
  /**
   * True when the connection must end at `expiresAt` unless the client sends `refresh` (a JWT's
   * `exp`); the server warns with an `expiring` frame first. Default false: `expiresAt` is a
   * session's sliding expiry and open connections outlive it.
   */
  endsAtExpiry?: boolean;
  /**
   * The session this connection belongs to, when the authenticator keeps sessions: revoking it
   * closes exactly its connections on every node (ChatCore.disconnectUser). Default: none.
   */
  sessionId?: string;
  /** Display name, separate from the handle (Unicode allowed). Default: none (the handle). */
  name?: string;
  /** Server-wide roles, e.g. 'admin'. Default: none. */
  roles?: readonly string[];
}

export interface Authenticator {
  authenticate(credentials: Credentials): Promise<Identity>;
  /** Whether a user exists (may receive DMs). */
  exists(user: string): Promise<boolean>;
  /**
   * The server roles `user` holds when someone else acts on them (a moderation target), as kept
   * by this authenticator: an account's stored roles, and (AuthChain) those a JWT or the auth
   * webhook last presented for the user. Default: none.
   */
  serverRoles?(user: string): Promise<readonly string[]>;
}
