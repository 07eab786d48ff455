import type { Session } from '../auth/session-store.js';
import type { Account, AccountStore, DeviceSession, OidcLink } from '../auth/account-store.js';
import { HOLD_EXPIRES_AT, holdTokenHash } from './account-hold.js';

/** The guest sessions of a MemoryStore, which an account's hold shares (./account-hold.ts). */
export interface MemoryGuestSessions {
  /** token hash → session. */
  sessions: Map<string, Session>;
  /** handle → token hashes of its sessions. */
  tokensOf: Map<string, Set<string>>;
}

/** The reference AccountStore, beside MemoryStore's guest sessions; every call is atomic. */
export class MemoryAccounts implements AccountStore {
  readonly #guests: MemoryGuestSessions;
  readonly #accounts = new Map<string, Account>();
  /** Roles last presented by a JWT or the auth webhook, by user. */
  readonly #presented = new Map<string, string[]>();
  /** token hash → device session. */
  readonly #devices = new Map<string, DeviceSession>();
  /** `issuer subject` (JSON of the pair) → handle. */
  readonly #oidc = new Map<string, string>();

  constructor(guests: MemoryGuestSessions) {
    this.#guests = guests;
  }

  /** Makes the hold the handle's only guest-table session, if no session of it is unexpired. */
  #hold(handle: string, now: number): boolean {
    const { sessions, tokensOf } = this.#guests;
    const held = tokensOf.get(handle) ?? new Set<string>();
    if ([...held].some((h) => sessions.get(h)!.expiresAt > now)) return false;
    for (const h of held) sessions.delete(h);
    const tokenHash = holdTokenHash(handle);
    sessions.set(tokenHash, { handle, tokenHash, createdAt: now, expiresAt: HOLD_EXPIRES_AT });
    tokensOf.set(handle, new Set([tokenHash]));
    return true;
  }

  async createAccount(
    account: Account,
    first: DeviceSession,
    now: number,
    link?: OidcLink,
  ): Promise<boolean> {
    const key = link && oidcKey(link);
    if (key && this.#oidc.has(key)) return false;
    if (this.#accounts.has(account.handle) || !this.#hold(account.handle, now)) return false;
    if (key) this.#oidc.set(key, account.handle);
    this.#accounts.set(account.handle, { ...account, roles: [] });
    this.#devices.set(first.tokenHash, { ...first });
    return true;
  }

  async upgradeGuest(
    guestTokenHash: string,
    account: Account,
    first: DeviceSession,
    now: number,
  ): Promise<string | null> {
    const guest = this.#guests.sessions.get(guestTokenHash);
    if (!guest || guest.expiresAt <= now || this.#accounts.has(guest.handle)) return null;
    const handle = guest.handle;
    guest.expiresAt = now; // ended, so the hold may replace it
    this.#hold(handle, now);
    this.#accounts.set(handle, { ...account, handle, roles: [] });
    this.#devices.set(guestTokenHash, { ...first, handle, tokenHash: guestTokenHash });
    return handle;
  }

  async accountByOidc(link: OidcLink): Promise<string | null> {
    return this.#oidc.get(oidcKey(link)) ?? null;
  }

  async accountByHandle(handle: string): Promise<Account | null> {
    const a = this.#accounts.get(handle);
    return a ? { ...a, roles: [...a.roles] } : null;
  }

  async accountNames(): Promise<{ handle: string; name: string | null }[]> {
    return [...this.#accounts.values()].map(({ handle, name }) => ({ handle, name }));
  }

  async setName(handle: string, name: string | null): Promise<boolean> {
    const a = this.#accounts.get(handle);
    if (a) a.name = name;
    return a !== undefined;
  }

  async setRoles(handle: string, roles: string[]): Promise<boolean> {
    const a = this.#accounts.get(handle);
    if (a) a.roles = [...roles];
    return a !== undefined;
  }

  async setPresentedRoles(user: string, roles: string[]): Promise<void> {
    if (roles.length === 0) this.#presented.delete(user);
    else this.#presented.set(user, [...roles]);
  }

  async presentedRoles(user: string): Promise<string[]> {
    return [...(this.#presented.get(user) ?? [])];
  }

  async accountsWithRoles(): Promise<{ handle: string; roles: string[] }[]> {
    return [...this.#accounts.values()]
      .filter((a) => a.roles.length > 0)
      .map((a) => ({ handle: a.handle, roles: [...a.roles] }))
      .sort((x, y) => (x.handle < y.handle ? -1 : 1));
  }

  async setPassword(
    handle: string,
    passwordHash: string,
    keepSessionId: string,
  ): Promise<string[]> {
    const a = this.#accounts.get(handle);
    if (!a) return [];
    a.passwordHash = passwordHash;
    const revoked: string[] = [];
    for (const [hash, s] of this.#devices) {
      if (s.handle === handle && s.id !== keepSessionId) {
        this.#devices.delete(hash);
        revoked.push(s.id);
      }
    }
    return revoked;
  }

  async addDeviceSession(session: DeviceSession): Promise<void> {
    this.#devices.set(session.tokenHash, { ...session });
  }

  async deviceSessionByTokenHash(tokenHash: string): Promise<DeviceSession | null> {
    const s = this.#devices.get(tokenHash);
    return s ? { ...s } : null;
  }

  async deviceSessions(handle: string): Promise<DeviceSession[]> {
    return [...this.#devices.values()]
      .filter((s) => s.handle === handle)
      .sort((a, b) => a.createdAt - b.createdAt)
      .map((s) => ({ ...s }));
  }

  async touchDeviceSession(id: string, lastSeenAt: number, expiresAt: number): Promise<boolean> {
    const s = [...this.#devices.values()].find((d) => d.id === id);
    if (s) Object.assign(s, { lastSeenAt, expiresAt });
    return s !== undefined;
  }

  async revokeDeviceSession(handle: string, id: string): Promise<boolean> {
    for (const [hash, s] of this.#devices) {
      if (s.id === id && s.handle === handle) return this.#devices.delete(hash);
    }
    return false;
  }
}

const oidcKey = (link: OidcLink): string => JSON.stringify([link.issuer, link.subject]);
