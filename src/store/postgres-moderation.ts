import type pg from 'pg';
import {
  toAccess,
  toAudit,
  toRestriction,
  type AccessRow,
  type AuditRow,
  type RestrictionRow,
} from './moderation-rows.js';
import type {
  AuditEntry,
  ModerationStore,
  Restriction,
  RestrictionKind,
  RoomAccess,
  RoomRole,
  RoomSettings,
} from './moderation-store.js';

/** Runs one named statement, wrapping driver errors (the PostgresStore's wrapper). */
export type Query = <R extends pg.QueryResultRow>(
  name: string,
  text: string,
  values: unknown[],
) => Promise<pg.QueryResult<R>>;

const restricted = (kind: RestrictionKind): string =>
  `EXISTS (SELECT 1 FROM restrictions r WHERE r.scope = c.channel AND r."user" = $2
     AND r.kind = '${kind}' AND (r.until_ts IS NULL OR r.until_ts > $3))`;

const SQL = {
  modAccess: `SELECT c.room_kind, c.slow_mode, c.topic, c.archived,
      (SELECT role FROM members m WHERE m.channel = c.channel AND m."user" = $2) AS role,
      ${restricted('ban')} AS banned, ${restricted('mute')} AS muted
    FROM channels c WHERE c.channel = $1 AND c.kind = 'room'`,
  modSettings: `UPDATE channels SET room_kind = coalesce($2, room_kind),
      slow_mode = coalesce($3::int, slow_mode), topic = coalesce($4, topic)
    WHERE channel = $1 AND kind = 'room'`,
  modArchive: `UPDATE channels SET archived = $2
    WHERE channel = $1 AND kind = 'room' AND archived <> $2`,
  modHidden: `SELECT channel FROM channels c WHERE kind = 'room' AND room_kind = 'private'
      AND NOT EXISTS (SELECT 1 FROM members m WHERE m.channel = c.channel AND m."user" = $1)
    ORDER BY channel`,
  modSetRole: 'UPDATE members SET role = $3 WHERE channel = $1 AND "user" = $2',
  modRestrict: `INSERT INTO restrictions (scope, "user", kind, until_ts, reason, set_by, set_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7)
    ON CONFLICT (scope, "user", kind) DO UPDATE SET until_ts = excluded.until_ts,
      reason = excluded.reason, set_by = excluded.set_by, set_at = excluded.set_at`,
  modLift: 'DELETE FROM restrictions WHERE scope = $1 AND "user" = $2 AND kind = $3',
  modRestriction: `SELECT * FROM restrictions WHERE scope = $1 AND "user" = $2 AND kind = $3
    AND (until_ts IS NULL OR until_ts > $4)`,
  modLastSentAt: 'SELECT max(ts) AS ts FROM messages WHERE channel = $1 AND sender = $2',
  modBlock: 'INSERT INTO blocks ("user", other) VALUES ($1, $2) ON CONFLICT DO NOTHING',
  modUnblock: 'DELETE FROM blocks WHERE "user" = $1 AND other = $2',
  modIsBlocked: 'SELECT 1 FROM blocks WHERE "user" = $1 AND other = $2',
  modAppendAudit: `INSERT INTO audit (scope, ts, actor, action, target, detail)
    VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
  modAudit: 'SELECT * FROM audit WHERE scope = $1 AND id < $2 ORDER BY id DESC LIMIT $3',
  modAuditEntry: 'SELECT * FROM audit WHERE id = $1',
} as const;

/** The ModerationStore of a PostgresStore, on its pool and schema; one statement per call. */
export class PostgresModeration implements ModerationStore {
  constructor(private readonly query: Query) {}

  #q<R extends pg.QueryResultRow>(
    name: keyof typeof SQL,
    values: unknown[],
  ): Promise<pg.QueryResult<R>> {
    return this.query<R>(name, SQL[name], values);
  }

  async access(channel: string, user: string, now: number): Promise<RoomAccess | null> {
    const row = (await this.#q<AccessRow>('modAccess', [channel, user, now])).rows[0];
    return row ? toAccess(row) : null;
  }

  async setRoomSettings(channel: string, s: RoomSettings): Promise<boolean> {
    const values = [channel, s.kind ?? null, s.slowMode ?? null, s.topic ?? null];
    return (await this.#q('modSettings', values)).rowCount === 1;
  }

  async setArchived(channel: string, archived: boolean): Promise<boolean> {
    return (await this.#q('modArchive', [channel, archived])).rowCount === 1;
  }

  async hiddenRooms(user: string): Promise<string[]> {
    return (await this.#q<{ channel: string }>('modHidden', [user])).rows.map((r) => r.channel);
  }

  async setRole(channel: string, user: string, role: RoomRole): Promise<boolean> {
    return (await this.#q('modSetRole', [channel, user, role])).rowCount === 1;
  }

  async restrict(r: Restriction): Promise<void> {
    await this.#q('modRestrict', [r.scope, r.user, r.kind, r.until, r.reason, r.by, r.at]);
  }

  async lift(scope: string, user: string, kind: RestrictionKind): Promise<boolean> {
    return (await this.#q('modLift', [scope, user, kind])).rowCount === 1;
  }

  async restriction(
    scope: string,
    user: string,
    kind: RestrictionKind,
    now: number,
  ): Promise<Restriction | null> {
    const row = (await this.#q<RestrictionRow>('modRestriction', [scope, user, kind, now])).rows[0];
    return row ? toRestriction(row) : null;
  }

  async lastSentAt(channel: string, user: string): Promise<number | null> {
    return (await this.#q<{ ts: number | null }>('modLastSentAt', [channel, user])).rows[0]!.ts;
  }

  async setBlock(user: string, other: string, blocked: boolean): Promise<boolean> {
    return (await this.#q(blocked ? 'modBlock' : 'modUnblock', [user, other])).rowCount === 1;
  }

  async isBlocked(user: string, other: string): Promise<boolean> {
    return (await this.#q('modIsBlocked', [user, other])).rowCount === 1;
  }

  async appendAudit(e: Omit<AuditEntry, 'id'>): Promise<number> {
    const values = [e.scope, e.ts, e.actor, e.action, e.target, e.detail];
    return (await this.#q<{ id: number }>('modAppendAudit', values)).rows[0]!.id;
  }

  async audit(scope: string, q: { before?: number; limit: number }): Promise<AuditEntry[]> {
    const values = [scope, q.before ?? Number.MAX_SAFE_INTEGER, q.limit];
    return (await this.#q<AuditRow>('modAudit', values)).rows.map(toAudit);
  }

  async auditEntry(id: number): Promise<AuditEntry | null> {
    const row = (await this.#q<AuditRow>('modAuditEntry', [id])).rows[0];
    return row ? toAudit(row) : null;
  }
}
