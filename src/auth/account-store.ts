/**
 * The account seam: where AccountService (src/auth/accounts.ts) keeps accounts (a handle with a
 * password hash and a display name) and their device sessions (one bearer token per device, keyed
 * by the token's SHA-256; the token itself is never stored).
 *
 * Guarantees every implementation gives (checked by test/auth/account-store-conformance.ts):
 * - An account holds its handle forever, in the same key space as guest sessions
 *   (SessionStore): `createAccount` and `upgradeGuest` are atomic with guest claims, even between
 *   nodes sharing the store. Of a register and a guest claim racing for one free handle exactly
 *   one wins; once an account exists, every guest claim of its handle resolves false.
 * - An OIDC identity (issuer, subject) is linked to at most one account, made in the same atomic
 *   step as the account (`createAccount` with `link`), and stays linked for good.
 * - A device session is found by token hash until it is revoked (deleted) or its account's
 *   password changes with it not kept; expiry is the caller's to check.
 * - Backend failures reject with a SwitchboardError (SB_ERR_STORE_UNAVAILABLE) whose `cause` is
 *   the driver error.
 */

export interface Account {
  handle: string;
  /** `scrypt$N$r$p$salt$hash` (src/auth/password.ts), or NO_PASSWORD for an OIDC account. */
  passwordHash: string;
  /** Display name; null shows the handle. */
  name: string | null;
  createdAt: number;
  /**
   * Server-wide roles (`admin`: a server admin, docs/permissions.md), given by an operator with
   * `switchboard admin grant`; read at each hello. New accounts have none.
   */
  roles: string[];
}

export interface DeviceSession {
  /** Random public id: what the session list shows and revoke takes; not a secret. */
  id: string;
  handle: string;
  /** SHA-256 of the token, hex. */
  tokenHash: string;
  /** From the `device` field of login or register, else the User-Agent; at most 128 chars. */
  device: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
}

/** The password hash of an account made by OIDC sign-in: it never verifies. */
export const NO_PASSWORD = 'none';

/** An identity at an OpenID provider: the ID token's `iss` and `sub`. */
export interface OidcLink {
  issuer: string;
  subject: string;
}

export interface AccountStore {
  /**
   * Atomically creates `account` with its first session if its handle is free at `now`: no
   * account and no unexpired guest session; with `link`, also links that OIDC identity to it,
   * and then the identity must not be linked yet. Resolves false, changing nothing, otherwise.
   * The new account has no server roles, whatever `account.roles` says (they are an operator's
   * to give).
   */
  createAccount(
    account: Account,
    first: DeviceSession,
    now: number,
    link?: OidcLink,
  ): Promise<boolean>;
  /** The handle of the account the OIDC identity is linked to; null when none is. */
  accountByOidc(link: OidcLink): Promise<string | null>;
  /**
   * Atomically turns the guest session of `guestTokenHash`, if unexpired at `now`, into an
   * account of the same handle whose first session `first` has that same token hash (the guest's
   * token keeps working), and resolves that handle; resolves null, changing nothing, when there
   * is no such guest session.
   * `account.handle` and `first.handle` are ignored: the guest session's handle is used.
   */
  upgradeGuest(
    guestTokenHash: string,
    account: Account,
    first: DeviceSession,
    now: number,
  ): Promise<string | null>;
  accountByHandle(handle: string): Promise<Account | null>;
  /** Every account's handle and display name (for the confusable check). */
  accountNames(): Promise<{ handle: string; name: string | null }[]>;
  setName(handle: string, name: string | null): Promise<boolean>;
  /** Replaces the server roles of `handle`; false when there is no such account. */
  setRoles(handle: string, roles: string[]): Promise<boolean>;
  /** Every account with at least one server role, by handle. */
  accountsWithRoles(): Promise<{ handle: string; roles: string[] }[]>;
  /**
   * Records the server roles a JWT or the auth webhook presented for `user` (no account: the
   * roles come with each credential) at `now`, replacing what was recorded; none clears it.
   */
  setPresentedRoles(user: string, roles: string[], now: number): Promise<void>;
  /** The server roles last presented for `user` (setPresentedRoles); none when never. */
  presentedRoles(user: string): Promise<string[]>;
  /**
   * Sets the password hash and deletes every session of `handle` but `keepSessionId`,
   * atomically; resolves the ids of the deleted sessions.
   */
  setPassword(handle: string, passwordHash: string, keepSessionId: string): Promise<string[]>;
  addDeviceSession(session: DeviceSession): Promise<void>;
  deviceSessionByTokenHash(tokenHash: string): Promise<DeviceSession | null>;
  /** Every session of `handle`, oldest first. */
  deviceSessions(handle: string): Promise<DeviceSession[]>;
  /** Resolves false when the session is gone (revoked meanwhile). */
  touchDeviceSession(id: string, lastSeenAt: number, expiresAt: number): Promise<boolean>;
  /** Deletes the session `id` of `handle`; false when `handle` has no such session. */
  revokeDeviceSession(handle: string, id: string): Promise<boolean>;
}
