import type Database from 'better-sqlite3';
import type { Account, AccountStore, DeviceSession, OidcLink } from '../auth/account-store.js';
import { HOLD_EXPIRES_AT, holdTokenHash } from './account-hold.js';
import {
  splitRoles,
  toAccount,
  toDeviceSession,
  type AccountRow,
  type DeviceSessionRow,
} from './rows.js';

/** Runs a synchronous driver call, wrapping driver errors as SB_ERR_STORE_UNAVAILABLE. */
export type Run = <T>(fn: () => T) => Promise<T>;

/**
 * The AccountStore of SqliteStore, on its connection (tables of migrations 4, 5 and 6
 * in ./sqlite-schema.ts). Each multi-statement call is one `BEGIN IMMEDIATE` transaction, which
 * holds the file's write lock, so it is atomic with guest claims in other processes too.
 */
export class SqliteAccounts implements AccountStore {
  readonly #sql: ReturnType<typeof prepare>;
  readonly #run: Run;
  readonly #create: (a: Account, s: DeviceSession, now: number, link?: OidcLink) => boolean;
  readonly #upgrade: (hash: string, a: Account, s: DeviceSession, now: number) => string | null;
  readonly #setPassword: (handle: string, hash: string, keep: string) => string[];

  constructor(db: Database.Database, run: Run) {
    const sql = (this.#sql = prepare(db));
    this.#run = run;
    const insert = (a: Account, s: DeviceSession, handle: string): void => {
      sql.insertAccount.run(handle, a.passwordHash, a.name, a.createdAt);
      sql.insertSession.run(
        s.id,
        handle,
        s.tokenHash,
        s.device,
        s.createdAt,
        s.lastSeenAt,
        s.expiresAt,
      );
    };
    // eslint-disable-next-line @typescript-eslint/unbound-method
    this.#create = db.transaction(
      (a: Account, s: DeviceSession, now: number, link?: OidcLink): boolean => {
        if (link && sql.oidcHandle.get(link.issuer, link.subject)) return false;
        if (sql.accountByHandle.get(a.handle)) return false;
        const held = sql.hold.run(a.handle, holdTokenHash(a.handle), now, HOLD_EXPIRES_AT, now);
        if (held.changes !== 1) return false;
        insert(a, s, a.handle);
        if (link) sql.insertOidc.run(link.issuer, link.subject, a.handle, a.createdAt);
        return true;
      },
    ).immediate;
    // eslint-disable-next-line @typescript-eslint/unbound-method
    this.#upgrade = db.transaction((hash: string, a: Account, s: DeviceSession, now: number) => {
      const guest = sql.liveGuest.get(hash, now) as { handle: string } | undefined;
      if (!guest || sql.accountByHandle.get(guest.handle)) return null;
      sql.holdGuest.run(holdTokenHash(guest.handle), HOLD_EXPIRES_AT, hash);
      insert(a, { ...s, tokenHash: hash }, guest.handle);
      return guest.handle;
    }).immediate;
    // eslint-disable-next-line @typescript-eslint/unbound-method
    this.#setPassword = db.transaction((handle: string, hash: string, keep: string): string[] => {
      if (sql.setPassword.run(hash, handle).changes !== 1) return [];
      return (sql.revokeOthers.all(handle, keep) as { id: string }[]).map((r) => r.id);
    }).immediate;
  }

  createAccount(a: Account, first: DeviceSession, now: number, link?: OidcLink): Promise<boolean> {
    return this.#run(() => this.#create(a, first, now, link));
  }

  accountByOidc(link: OidcLink): Promise<string | null> {
    return this.#run(() => {
      const row = this.#sql.oidcHandle.get(link.issuer, link.subject) as
        { handle: string } | undefined;
      return row?.handle ?? null;
    });
  }

  upgradeGuest(hash: string, a: Account, s: DeviceSession, now: number): Promise<string | null> {
    return this.#run(() => this.#upgrade(hash, a, s, now));
  }

  accountByHandle(handle: string): Promise<Account | null> {
    return this.#run(() => {
      const row = this.#sql.accountByHandle.get(handle) as AccountRow | undefined;
      return row ? toAccount(row) : null;
    });
  }

  accountNames(): Promise<{ handle: string; name: string | null }[]> {
    return this.#run(
      () => this.#sql.accountNames.all() as { handle: string; name: string | null }[],
    );
  }

  setName(handle: string, name: string | null): Promise<boolean> {
    return this.#run(() => this.#sql.setName.run(name, handle).changes === 1);
  }

  setRoles(handle: string, roles: string[]): Promise<boolean> {
    return this.#run(() => this.#sql.setRoles.run(roles.join(' '), handle).changes === 1);
  }

  setPresentedRoles(user: string, roles: string[], now: number): Promise<void> {
    return this.#run(() => {
      if (roles.length === 0) this.#sql.clearPresented.run(user);
      else this.#sql.setPresented.run(user, roles.join(' '), now);
    });
  }

  presentedRoles(user: string): Promise<string[]> {
    return this.#run(() => {
      const row = this.#sql.presented.get(user) as { roles: string } | undefined;
      return row ? splitRoles(row.roles) : [];
    });
  }

  accountsWithRoles(): Promise<{ handle: string; roles: string[] }[]> {
    return this.#run(() =>
      (this.#sql.accountsWithRoles.all() as { handle: string; roles: string }[]).map((r) => ({
        handle: r.handle,
        roles: splitRoles(r.roles),
      })),
    );
  }

  setPassword(handle: string, passwordHash: string, keepSessionId: string): Promise<string[]> {
    return this.#run(() => this.#setPassword(handle, passwordHash, keepSessionId));
  }

  addDeviceSession(s: DeviceSession): Promise<void> {
    return this.#run(() => {
      this.#sql.insertSession.run(
        s.id,
        s.handle,
        s.tokenHash,
        s.device,
        s.createdAt,
        s.lastSeenAt,
        s.expiresAt,
      );
    });
  }

  deviceSessionByTokenHash(tokenHash: string): Promise<DeviceSession | null> {
    return this.#run(() => {
      const row = this.#sql.sessionByTokenHash.get(tokenHash) as DeviceSessionRow | undefined;
      return row ? toDeviceSession(row) : null;
    });
  }

  deviceSessions(handle: string): Promise<DeviceSession[]> {
    return this.#run(() =>
      (this.#sql.sessionsOf.all(handle) as DeviceSessionRow[]).map(toDeviceSession),
    );
  }

  touchDeviceSession(id: string, lastSeenAt: number, expiresAt: number): Promise<boolean> {
    return this.#run(() => this.#sql.touch.run(lastSeenAt, expiresAt, id).changes === 1);
  }

  revokeDeviceSession(handle: string, id: string): Promise<boolean> {
    return this.#run(() => this.#sql.revoke.run(id, handle).changes === 1);
  }
}

function prepare(db: Database.Database) {
  return {
    accountByHandle: db.prepare('SELECT * FROM accounts WHERE handle = ?'),
    accountNames: db.prepare('SELECT handle, name FROM accounts'),
    oidcHandle: db.prepare('SELECT handle FROM oidc_identities WHERE issuer = ? AND subject = ?'),
    insertOidc: db.prepare(
      'INSERT INTO oidc_identities (issuer, subject, handle, created_at) VALUES (?, ?, ?, ?)',
    ),
    insertAccount: db.prepare(
      'INSERT INTO accounts (handle, password_hash, name, created_at) VALUES (?, ?, ?, ?)',
    ),
    setName: db.prepare('UPDATE accounts SET name = ? WHERE handle = ?'),
    setRoles: db.prepare('UPDATE accounts SET roles = ? WHERE handle = ?'),
    accountsWithRoles: db.prepare(
      "SELECT handle, roles FROM accounts WHERE roles <> '' ORDER BY handle",
    ),
    setPassword: db.prepare('UPDATE accounts SET password_hash = ? WHERE handle = ?'),
    setPresented: db.prepare(
      `INSERT INTO presented_roles (user, roles, seen_at) VALUES (?, ?, ?)
       ON CONFLICT (user) DO UPDATE SET roles = excluded.roles, seen_at = excluded.seen_at`,
    ),
    clearPresented: db.prepare('DELETE FROM presented_roles WHERE user = ?'),
    presented: db.prepare('SELECT roles FROM presented_roles WHERE user = ?'),
    // The guest claim's upsert (./sqlite.ts), with the account's never-expiring hold.
    hold: db.prepare(
      `INSERT INTO sessions (handle, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (handle) DO UPDATE SET token_hash = excluded.token_hash,
         created_at = excluded.created_at, expires_at = excluded.expires_at
       WHERE sessions.expires_at <= ?`,
    ),
    liveGuest: db.prepare('SELECT handle FROM sessions WHERE token_hash = ? AND expires_at > ?'),
    holdGuest: db.prepare(
      'UPDATE sessions SET token_hash = ?, expires_at = ? WHERE token_hash = ?',
    ),
    insertSession: db.prepare(
      `INSERT INTO account_sessions
         (id, handle, token_hash, device, created_at, last_seen_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    sessionByTokenHash: db.prepare('SELECT * FROM account_sessions WHERE token_hash = ?'),
    sessionsOf: db.prepare(
      'SELECT * FROM account_sessions WHERE handle = ? ORDER BY created_at, id',
    ),
    touch: db.prepare('UPDATE account_sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?'),
    revoke: db.prepare('DELETE FROM account_sessions WHERE id = ? AND handle = ?'),
    revokeOthers: db.prepare(
      'DELETE FROM account_sessions WHERE handle = ? AND id <> ? RETURNING id',
    ),
  };
}
