import type pg from 'pg';
import type { Account, AccountStore, DeviceSession, OidcLink } from '../auth/account-store.js';
import { SwitchboardError } from '../errors.js';
import { HOLD_EXPIRES_AT } from './account-hold.js';
import {
  splitRoles,
  toAccount,
  toDeviceSession,
  type AccountRow,
  type DeviceSessionRow,
} from './rows.js';

/** Runs one named statement, wrapping driver errors as SB_ERR_STORE_UNAVAILABLE. */
export type Query = <R extends pg.QueryResultRow>(
  name: string,
  text: string,
  values: unknown[],
) => Promise<pg.QueryResult<R>>;

const SESSION_COLUMNS = 'id, handle, token_hash, device, created_at, last_seen_at, expires_at';
/** $5..$11: the first session's columns, the handle taken from the row before. */
const INSERT_FIRST = `INSERT INTO account_sessions (${SESSION_COLUMNS})
  SELECT $5::text, handle, $6::text, $7::text, $8::bigint, $9::bigint, $10::bigint FROM acc
  RETURNING handle`;

/**
 * Each call is one autocommit statement. Register and upgrade are one statement of chained
 * CTEs: the hold (the guest claim's upsert on the sessions table's handle key, see
 * ./account-hold.ts) decides, and the account and its first session are written only if it won.
 */
const SQL = {
  createAccount: `WITH held AS (
      INSERT INTO sessions (handle, token_hash, created_at, expires_at)
      VALUES ($1, 'account:' || $1, $11, $12)
      ON CONFLICT (handle) DO UPDATE SET token_hash = excluded.token_hash,
        created_at = excluded.created_at, expires_at = excluded.expires_at
      WHERE sessions.expires_at <= $11 RETURNING handle),
    acc AS (INSERT INTO accounts (handle, password_hash, name, created_at)
      SELECT handle, $2::text, $3::text, $4::bigint FROM held RETURNING handle)
    ${INSERT_FIRST}`,
  upgradeGuest: `WITH held AS (
      UPDATE sessions SET token_hash = 'account:' || handle, expires_at = $12
      WHERE token_hash = $1 AND expires_at > $11 RETURNING handle),
    acc AS (INSERT INTO accounts (handle, password_hash, name, created_at)
      SELECT handle, $2::text, $3::text, $4::bigint FROM held RETURNING handle)
    ${INSERT_FIRST}`,
  // The same with an OIDC identity ($13, $14) linked in the same statement. A statement is
  // atomic: when a racing sign-in of the same identity links it first, the primary key refuses
  // the link and nothing of this account is written (see createAccount).
  createLinkedAccount: `WITH held AS (
      INSERT INTO sessions (handle, token_hash, created_at, expires_at)
      SELECT $1::text, 'account:' || $1::text, $11::bigint, $12::bigint
      WHERE NOT EXISTS (SELECT 1 FROM oidc_identities WHERE issuer = $13 AND subject = $14)
      ON CONFLICT (handle) DO UPDATE SET token_hash = excluded.token_hash,
        created_at = excluded.created_at, expires_at = excluded.expires_at
      WHERE sessions.expires_at <= $11 RETURNING handle),
    acc AS (INSERT INTO accounts (handle, password_hash, name, created_at)
      SELECT handle, $2::text, $3::text, $4::bigint FROM held RETURNING handle),
    lnk AS (INSERT INTO oidc_identities (issuer, subject, handle, created_at)
      SELECT $13::text, $14::text, handle, $4::bigint FROM acc)
    ${INSERT_FIRST}`,
  accountByOidc: 'SELECT handle FROM oidc_identities WHERE issuer = $1 AND subject = $2',
  accountByHandle: 'SELECT * FROM accounts WHERE handle = $1',
  accountNames: 'SELECT handle, name FROM accounts',
  setName: 'UPDATE accounts SET name = $2 WHERE handle = $1',
  setRoles: 'UPDATE accounts SET roles = $2 WHERE handle = $1',
  setPresented: `INSERT INTO presented_roles ("user", roles, seen_at) VALUES ($1, $2, $3)
    ON CONFLICT ("user") DO UPDATE SET roles = excluded.roles, seen_at = excluded.seen_at`,
  clearPresented: 'DELETE FROM presented_roles WHERE "user" = $1',
  presented: 'SELECT roles FROM presented_roles WHERE "user" = $1',
  accountsWithRoles: "SELECT handle, roles FROM accounts WHERE roles <> '' ORDER BY handle",
  setPassword: `WITH upd AS (UPDATE accounts SET password_hash = $2 WHERE handle = $1 RETURNING handle)
    DELETE FROM account_sessions WHERE handle = (SELECT handle FROM upd) AND id <> $3 RETURNING id`,
  addDeviceSession: `INSERT INTO account_sessions (${SESSION_COLUMNS})
    VALUES ($1, $2, $3, $4, $5, $6, $7)`,
  deviceSessionByTokenHash: 'SELECT * FROM account_sessions WHERE token_hash = $1',
  deviceSessions: 'SELECT * FROM account_sessions WHERE handle = $1 ORDER BY created_at, id',
  touch: 'UPDATE account_sessions SET last_seen_at = $2, expires_at = $3 WHERE id = $1',
  revoke: 'DELETE FROM account_sessions WHERE id = $2 AND handle = $1',
} as const;

/**
 * The AccountStore of PostgresStore, on its pool (tables of migrations 4, 5 and 6 in
 * ./postgres-schema.ts).
 */
export class PostgresAccounts implements AccountStore {
  readonly #query: Query;

  constructor(query: Query) {
    this.#query = query;
  }

  #q<R extends pg.QueryResultRow>(name: keyof typeof SQL, values: unknown[]) {
    return this.#query<R>(`accounts.${name}`, SQL[name], values);
  }

  #firstValues(handle: string, tokenHash: string, a: Account, s: DeviceSession, now: number) {
    return [
      handle,
      a.passwordHash,
      a.name,
      a.createdAt,
      s.id,
      tokenHash,
      s.device,
      s.createdAt,
      s.lastSeenAt,
      s.expiresAt,
      now,
      HOLD_EXPIRES_AT,
    ];
  }

  async createAccount(
    a: Account,
    s: DeviceSession,
    now: number,
    link?: OidcLink,
  ): Promise<boolean> {
    const values = this.#firstValues(a.handle, s.tokenHash, a, s, now);
    if (!link) return (await this.#q('createAccount', values)).rowCount === 1;
    try {
      const linked = [...values, link.issuer, link.subject];
      return (await this.#q('createLinkedAccount', linked)).rowCount === 1;
    } catch (err) {
      if (isUniqueViolation(err, 'oidc_identities_pkey')) return false;
      throw err;
    }
  }

  async accountByOidc(link: OidcLink): Promise<string | null> {
    const { rows } = await this.#q<{ handle: string }>('accountByOidc', [
      link.issuer,
      link.subject,
    ]);
    return rows[0]?.handle ?? null;
  }

  async upgradeGuest(
    hash: string,
    a: Account,
    s: DeviceSession,
    now: number,
  ): Promise<string | null> {
    // $1 is the guest's token hash here; the hold's token hash is built from the row's handle.
    const values = this.#firstValues(hash, hash, a, s, now);
    const row = (await this.#q<{ handle: string }>('upgradeGuest', values)).rows[0];
    return row?.handle ?? null;
  }

  async accountByHandle(handle: string): Promise<Account | null> {
    const row = (await this.#q<AccountRow>('accountByHandle', [handle])).rows[0];
    return row ? toAccount(row) : null;
  }

  async accountNames(): Promise<{ handle: string; name: string | null }[]> {
    return (await this.#q<{ handle: string; name: string | null }>('accountNames', [])).rows;
  }

  async setName(handle: string, name: string | null): Promise<boolean> {
    return (await this.#q('setName', [handle, name])).rowCount === 1;
  }

  async setRoles(handle: string, roles: string[]): Promise<boolean> {
    return (await this.#q('setRoles', [handle, roles.join(' ')])).rowCount === 1;
  }

  async setPresentedRoles(user: string, roles: string[], now: number): Promise<void> {
    if (roles.length === 0) await this.#q('clearPresented', [user]);
    else await this.#q('setPresented', [user, roles.join(' '), now]);
  }

  async presentedRoles(user: string): Promise<string[]> {
    const row = (await this.#q<{ roles: string }>('presented', [user])).rows[0];
    return row ? splitRoles(row.roles) : [];
  }

  async accountsWithRoles(): Promise<{ handle: string; roles: string[] }[]> {
    const rows = (await this.#q<{ handle: string; roles: string }>('accountsWithRoles', [])).rows;
    return rows.map((r) => ({ handle: r.handle, roles: splitRoles(r.roles) }));
  }

  async setPassword(
    handle: string,
    passwordHash: string,
    keepSessionId: string,
  ): Promise<string[]> {
    const rows = (
      await this.#q<{ id: string }>('setPassword', [handle, passwordHash, keepSessionId])
    ).rows;
    return rows.map((r) => r.id);
  }

  async addDeviceSession(s: DeviceSession): Promise<void> {
    const values = [s.id, s.handle, s.tokenHash, s.device, s.createdAt, s.lastSeenAt, s.expiresAt];
    await this.#q('addDeviceSession', values);
  }

  async deviceSessionByTokenHash(tokenHash: string): Promise<DeviceSession | null> {
    const row = (await this.#q<DeviceSessionRow>('deviceSessionByTokenHash', [tokenHash])).rows[0];
    return row ? toDeviceSession(row) : null;
  }

  async deviceSessions(handle: string): Promise<DeviceSession[]> {
    return (await this.#q<DeviceSessionRow>('deviceSessions', [handle])).rows.map(toDeviceSession);
  }

  async touchDeviceSession(id: string, lastSeenAt: number, expiresAt: number): Promise<boolean> {
    return (await this.#q('touch', [id, lastSeenAt, expiresAt])).rowCount === 1;
  }

  async revokeDeviceSession(handle: string, id: string): Promise<boolean> {
    return (await this.#q('revoke', [handle, id])).rowCount === 1;
  }
}

/** Whether a wrapped driver error is PostgreSQL's unique_violation (23505) on `constraint`. */
function isUniqueViolation(err: unknown, constraint: string): boolean {
  const cause = err instanceof SwitchboardError ? (err.cause as Partial<pg.DatabaseError>) : null;
  return cause?.code === '23505' && cause.constraint === constraint;
}
