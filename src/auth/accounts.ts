/**
 * Accounts and device sessions (issue 7): register, log in and out, list and revoke sessions,
 * change the password, turn a guest into an account, set the display name. Transport-free: the
 * HTTP routes (src/http/auth-routes.ts) call it, and the token it issues is what `hello {token}`
 * takes (AccountAuthenticator, ./account-authenticator.ts).
 */
import { randomBytes } from 'node:crypto';
import { hashToken } from './token-hash.js';
import { SwitchboardError } from '../errors.js';
import { HANDLE_RE } from '../protocol/frames.js';
import {
  NO_PASSWORD,
  type Account,
  type AccountStore,
  type DeviceSession,
  type OidcLink,
} from './account-store.js';
import { checkConfusable, normalizeName } from './display-name.js';
import { baseHandle, handleCandidates, type OidcProfile } from './oidc-handle.js';
import type { LoginThrottle } from './login-throttle.js';
import {
  checkPassword,
  dummyVerify,
  hashPassword,
  verifyPassword,
  type KdfCost,
} from './password.js';
import type { SessionStore } from './session-store.js';

export interface AccountServiceOptions {
  accounts: AccountStore;
  /** The guest sessions: a handle held there is taken, and a guest token can be upgraded. */
  sessions: SessionStore;
  throttle: LoginThrottle;
  /** Session lifetime, slid forward on use, in ms. */
  ttlMs: number;
  /** Closes the connections of a revoked session on every node (ChatCore.disconnectUser). */
  onRevoke: (handle: string, sessionId: string) => void;
  /** A handle whose expired guest session an account takes over is a new person (forgetUser). */
  onReclaim?: (handle: string) => Promise<void>;
  /**
   * Whether the handle has connections open anywhere in the cluster (presence). A guest whose
   * session expired while connected still holds its handle, as for guest claims. Default: never.
   */
  inUse?: (handle: string) => boolean;
  /**
   * Whether a user without any session exists (has channels): a JWT or webhook user, whose name
   * a register must not take (it would inherit their rooms and DMs). Default: nobody.
   */
  knownUser?: (handle: string) => Promise<boolean>;
  /** Runs after a register wins, e.g. to put the newcomer in room:general. Default: nothing. */
  onCreated?: (handle: string) => Promise<void>;
  /** Default N = 2^15, r = 8, p = 1. */
  kdfCost?: KdfCost;
  now?: () => number;
}

export interface UserView {
  user: string;
  name: string | null;
}

export interface Issued {
  token: string;
  user: UserView;
}

export interface SessionView {
  id: string;
  device: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  current: boolean;
}

/** Where a request comes from: the device label and the client address (for throttling). */
export interface Origin {
  device: string;
  address: string;
}

/** The server role that marks a bot account (made by the HTTP API's `POST /users` with `bot`). */
export const BOT_ROLE = 'bot';

const deviceLabel = (device: string): string => device.slice(0, 128) || 'unknown device';

/** Candidates a first OIDC sign-in tries before giving up with SB_ERR_HANDLE_TAKEN. */
const OIDC_HANDLE_TRIES = 40;

export class AccountService {
  readonly #o: AccountServiceOptions;
  readonly #now: () => number;

  constructor(options: AccountServiceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  #newSession(handle: string, device: string): { token: string; session: DeviceSession } {
    const token = randomBytes(32).toString('base64url');
    const now = this.#now();
    const session: DeviceSession = {
      id: randomBytes(12).toString('base64url'),
      handle,
      tokenHash: hashToken(token),
      device: deviceLabel(device),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + this.#o.ttlMs,
    };
    return { token, session };
  }

  async #newAccount(handle: string, password: string): Promise<Account> {
    const passwordHash = await hashPassword(password, this.#o.kdfCost);
    return { handle, passwordHash, name: null, createdAt: this.#now(), roles: [] };
  }

  async register(rawHandle: string, password: string, origin: Origin): Promise<Issued> {
    const handle = rawHandle.toLowerCase();
    if (!HANDLE_RE.test(handle)) throw new SwitchboardError('SB_ERR_HANDLE_INVALID');
    checkPassword(password);
    this.#o.throttle.attempt(origin.address);
    const previous = await this.#o.sessions.sessionsByHandle(handle);
    const now = this.#now();
    if (
      previous.some((s) => s.expiresAt > now) ||
      (previous.length > 0 && this.#o.inUse?.(handle))
    ) {
      throw new SwitchboardError('SB_ERR_HANDLE_TAKEN');
    }
    if (previous.length === 0 && (await this.#o.knownUser?.(handle))) {
      throw new SwitchboardError('SB_ERR_HANDLE_TAKEN');
    }
    const account = await this.#newAccount(handle, password);
    const { token, session } = this.#newSession(handle, origin.device);
    if (!(await this.#o.accounts.createAccount(account, session, this.#now()))) {
      throw new SwitchboardError('SB_ERR_HANDLE_TAKEN');
    }
    // An expired guest of this name was someone else: not in their rooms and DMs.
    if (previous.length > 0) await this.#o.onReclaim?.(handle);
    await this.#o.onCreated?.(handle);
    return { token, user: { user: handle, name: null } };
  }

  /** Same answer, after the same KDF work, for an unknown handle and a wrong password. */
  async login(rawHandle: string, password: string, origin: Origin): Promise<Issued> {
    const handle = rawHandle.toLowerCase();
    checkPassword(password);
    this.#o.throttle.attempt(origin.address, handle);
    const account = HANDLE_RE.test(handle) ? await this.#o.accounts.accountByHandle(handle) : null;
    // An OIDC account has no password: same answer, after the same work, as an unknown handle.
    const ok =
      account && account.passwordHash !== NO_PASSWORD
        ? await verifyPassword(password, account.passwordHash)
        : await dummyVerify(password, this.#o.kdfCost);
    if (!account || !ok) throw new SwitchboardError('SB_ERR_CREDENTIALS_INVALID');
    const { token, session } = this.#newSession(handle, origin.device);
    await this.#o.accounts.addDeviceSession(session);
    return { token, user: { user: handle, name: account.name } };
  }

  /** The throttle every sign-in attempt goes through (shared with the other nodes by the core). */
  get loginThrottle(): LoginThrottle {
    return this.#o.throttle;
  }

  /** Counts one sign-in attempt from `address`; SB_ERR_LOGIN_THROTTLED past the rate. */
  throttle(address: string): void {
    this.#o.throttle.attempt(address);
  }

  /**
   * Signs in the account linked to the OIDC identity, making one at the first sign-in: its
   * handle from the profile (./oidc-handle.ts), numbered when taken; a handle any account or
   * guest (even one whose session expired) ever held, a connected user's or a JWT or webhook
   * user's is taken, so no one is taken over. The display name is the profile's `name` when the
   * display-name policy accepts it, else none. The account has no password (NO_PASSWORD).
   */
  async signInOidc(link: OidcLink, profile: OidcProfile, origin: Origin): Promise<Issued> {
    const linked = await this.#o.accounts.accountByOidc(link);
    if (linked !== null) return this.#addSession(linked, origin.device);
    const name = await this.#acceptableName(profile.name);
    let tries = 0;
    for (const handle of handleCandidates(baseHandle(profile, link.subject), Math.random)) {
      if (++tries > OIDC_HANDLE_TRIES) break;
      if (await this.#everHeld(handle)) continue;
      const account: Account = {
        handle,
        passwordHash: NO_PASSWORD,
        name,
        createdAt: this.#now(),
        roles: [],
      };
      const { token, session } = this.#newSession(handle, origin.device);
      if (await this.#o.accounts.createAccount(account, session, this.#now(), link)) {
        await this.#o.onCreated?.(handle);
        return { token, user: { user: handle, name } };
      }
      // Lost a race: the same identity's other first sign-in, or someone took the handle.
      const winner = await this.#o.accounts.accountByOidc(link);
      if (winner !== null) return this.#addSession(winner, origin.device);
    }
    throw new SwitchboardError('SB_ERR_HANDLE_TAKEN', 'no free handle for this identity');
  }

  async #addSession(handle: string, device: string): Promise<Issued> {
    const { token, session } = this.#newSession(handle, device);
    await this.#o.accounts.addDeviceSession(session);
    const account = await this.#o.accounts.accountByHandle(handle);
    return { token, user: { user: handle, name: account?.name ?? null } };
  }

  /** A user who is not an account now: a guest with a session, connected, or a JWT/webhook user. */
  async #someone(handle: string): Promise<boolean> {
    if ((await this.#o.sessions.sessionsByHandle(handle)).length > 0) return true;
    return Boolean(this.#o.inUse?.(handle)) || Boolean(await this.#o.knownUser?.(handle));
  }

  /** An account, or someone else (#someone). */
  async #everHeld(handle: string): Promise<boolean> {
    if (await this.#o.accounts.accountByHandle(handle)) return true;
    return this.#someone(handle);
  }

  /** The provider's name if it passes ./display-name.ts (not like another's handle), else null. */
  async #acceptableName(raw: string | undefined): Promise<string | null> {
    if (!raw) return null;
    try {
      const name = normalizeName(raw);
      const handles = (await this.#o.accounts.accountNames()).map((a) => a.handle);
      checkConfusable(name, '', handles);
      return name;
    } catch {
      return null;
    }
  }

  /**
   * The live session of an account token; null when the token is no account session (it may be
   * a guest's). Rejects SB_ERR_TOKEN_EXPIRED, or SB_ERR_TOKEN_INVALID when revoked meanwhile.
   * Slides the expiry and updates lastSeenAt at most once a step (1% of the ttl, at most a
   * minute), so a reconnect storm costs no store writes.
   */
  async session(token: string): Promise<DeviceSession | null> {
    const s = await this.#o.accounts.deviceSessionByTokenHash(hashToken(token));
    if (!s) return null;
    const now = this.#now();
    if (s.expiresAt <= now) throw new SwitchboardError('SB_ERR_TOKEN_EXPIRED');
    const step = Math.min(this.#o.ttlMs / 100, 60_000);
    if (now - s.lastSeenAt < step) return s;
    const touched = { ...s, lastSeenAt: now, expiresAt: now + this.#o.ttlMs };
    if (!(await this.#o.accounts.touchDeviceSession(s.id, now, touched.expiresAt))) {
      throw new SwitchboardError('SB_ERR_TOKEN_INVALID');
    }
    return touched;
  }

  /** Like `session`, but a token that is no account session rejects SB_ERR_TOKEN_INVALID. */
  async #require(token: string): Promise<DeviceSession> {
    const s = await this.session(token);
    if (!s) throw new SwitchboardError('SB_ERR_TOKEN_INVALID');
    return s;
  }

  async account(handle: string): Promise<Account | null> {
    return this.#o.accounts.accountByHandle(handle);
  }

  async me(token: string): Promise<UserView> {
    const s = await this.#require(token);
    const account = await this.#o.accounts.accountByHandle(s.handle);
    return { user: s.handle, name: account?.name ?? null };
  }

  async logout(token: string): Promise<void> {
    const s = await this.#require(token);
    await this.revoke(token, s.id);
  }

  async sessions(token: string): Promise<SessionView[]> {
    const me = await this.#require(token);
    return (await this.#o.accounts.deviceSessions(me.handle)).map((s) => ({
      id: s.id,
      device: s.device,
      createdAt: s.createdAt,
      lastSeenAt: s.lastSeenAt,
      expiresAt: s.expiresAt,
      current: s.id === me.id,
    }));
  }

  /** Revokes one of my sessions and closes its connections on every node. */
  async revoke(token: string, sessionId: string): Promise<void> {
    const me = await this.#require(token);
    if (!(await this.#o.accounts.revokeDeviceSession(me.handle, sessionId))) {
      throw new SwitchboardError('SB_ERR_SESSION_NOT_FOUND');
    }
    this.#o.onRevoke(me.handle, sessionId);
  }

  /** Checks the old password (throttled like a login), then revokes every other session. */
  async changePassword(
    token: string,
    oldPassword: string,
    newPassword: string,
    address: string,
  ): Promise<void> {
    const me = await this.#require(token);
    checkPassword(newPassword);
    this.#o.throttle.attempt(address, me.handle);
    const account = await this.#o.accounts.accountByHandle(me.handle);
    if (!account || !(await verifyPassword(oldPassword, account.passwordHash))) {
      throw new SwitchboardError('SB_ERR_CREDENTIALS_INVALID');
    }
    const hash = await hashPassword(newPassword, this.#o.kdfCost);
    const revoked = await this.#o.accounts.setPassword(me.handle, hash, me.id);
    for (const id of revoked) this.#o.onRevoke(me.handle, id);
  }

  /**
   * Turns the guest of `guestToken` into an account of the same handle, keeping its rooms and
   * history (both are keyed by handle) and its token, which becomes the account's first session.
   */
  async upgrade(guestToken: string, password: string, origin: Origin): Promise<Issued> {
    checkPassword(password);
    const hash = hashToken(guestToken);
    if (await this.#o.accounts.deviceSessionByTokenHash(hash)) {
      throw new SwitchboardError('SB_ERR_ACCOUNT_EXISTS');
    }
    const guest = await this.#o.sessions.sessionByTokenHash(hash);
    if (!guest) throw new SwitchboardError('SB_ERR_TOKEN_INVALID');
    if (guest.expiresAt <= this.#now()) throw new SwitchboardError('SB_ERR_TOKEN_EXPIRED');
    const account = await this.#newAccount(guest.handle, password);
    const { session } = this.#newSession(guest.handle, origin.device);
    const handle = await this.#o.accounts.upgradeGuest(hash, account, session, this.#now());
    if (handle === null) throw new SwitchboardError('SB_ERR_TOKEN_INVALID');
    return { token: guestToken, user: { user: handle, name: null } };
  }

  /** Sets (or with null clears) my display name; see ./display-name.ts for the policy. */
  async rename(token: string, rawName: string | null): Promise<UserView> {
    const me = await this.#require(token);
    const name = rawName === null ? null : normalizeName(rawName);
    if (name !== null) {
      const accounts = await this.#o.accounts.accountNames();
      const guest = name.toLowerCase();
      const guests = HANDLE_RE.test(guest) && guest !== me.handle ? [guest] : [];
      const held = guests.length > 0 && (await this.#someone(guest));
      checkConfusable(name, me.handle, [...accounts.map((a) => a.handle), ...(held ? guests : [])]);
    }
    await this.#o.accounts.setName(me.handle, name);
    return { user: me.handle, name };
  }

  // --- operator calls (the HTTP API, issue 9): no credentials of the user's own ---------------

  /**
   * Creates an account for an operator's backend, with a first session whose token is returned:
   * a password is optional (without one only issued sessions sign in), `bot` marks it a bot
   * account (server role `bot`). SB_ERR_HANDLE_TAKEN when the handle was ever held.
   */
  async createUser(
    rawHandle: string,
    options: { password?: string | undefined; name?: string | undefined; bot: boolean },
    device: string,
  ): Promise<Issued> {
    const handle = rawHandle.toLowerCase();
    if (!HANDLE_RE.test(handle)) throw new SwitchboardError('SB_ERR_HANDLE_INVALID');
    if (options.password !== undefined) checkPassword(options.password);
    const name = options.name === undefined ? null : normalizeName(options.name);
    if (name !== null) {
      const handles = (await this.#o.accounts.accountNames()).map((a) => a.handle);
      checkConfusable(name, handle, handles);
    }
    if (await this.#everHeld(handle)) throw new SwitchboardError('SB_ERR_HANDLE_TAKEN');
    const account =
      options.password === undefined
        ? { handle, passwordHash: NO_PASSWORD, name: null, createdAt: this.#now(), roles: [] }
        : await this.#newAccount(handle, options.password);
    const { token, session } = this.#newSession(handle, device);
    if (!(await this.#o.accounts.createAccount(account, session, this.#now())))
      throw new SwitchboardError('SB_ERR_HANDLE_TAKEN');
    if (name !== null) await this.#o.accounts.setName(handle, name);
    if (options.bot) await this.#o.accounts.setRoles(handle, [BOT_ROLE]);
    await this.#o.onCreated?.(handle);
    return { token, user: { user: handle, name } };
  }

  /** A new device session of an existing account (a backend signs its user in). */
  async issueSession(rawHandle: string, device: string): Promise<Issued> {
    const handle = rawHandle.toLowerCase();
    if (!HANDLE_RE.test(handle) || !(await this.#o.accounts.accountByHandle(handle)))
      throw new SwitchboardError('SB_ERR_USER_NOT_FOUND', `no account ${rawHandle}`);
    return this.#addSession(handle, device);
  }

  /** Revokes every session of `handle` and closes their connections; resolves how many. */
  async revokeAll(rawHandle: string): Promise<number> {
    const handle = rawHandle.toLowerCase();
    let n = 0;
    for (const s of await this.#o.accounts.deviceSessions(handle)) {
      if (!(await this.#o.accounts.revokeDeviceSession(handle, s.id))) continue;
      this.#o.onRevoke(handle, s.id);
      n++;
    }
    return n;
  }

  /** Every account's handle, display name and server roles, by handle (the admin console). */
  async list(): Promise<{ handle: string; name: string | null; roles: string[] }[]> {
    const roles = new Map(
      (await this.#o.accounts.accountsWithRoles()).map((r) => [r.handle, r.roles]),
    );
    return (await this.#o.accounts.accountNames())
      .map((a) => ({ ...a, roles: roles.get(a.handle) ?? [] }))
      .sort((a, b) => (a.handle < b.handle ? -1 : a.handle > b.handle ? 1 : 0));
  }

  /** Replaces an account's server roles (read at its next hello); false when no such account. */
  async setRoles(handle: string, roles: string[]): Promise<boolean> {
    return this.#o.accounts.setRoles(handle, roles);
  }
}
