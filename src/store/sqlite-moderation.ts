import type Database from 'better-sqlite3';
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

/** Runs a synchronous driver call, wrapping driver errors (the SqliteStore's wrapper). */
export type Run = <T>(fn: () => T) => Promise<T>;

const ACTIVE = '(until_ts IS NULL OR until_ts > @now)';

function prepare(db: Database.Database) {
  const restricted = (kind: RestrictionKind) =>
    `EXISTS (SELECT 1 FROM restrictions r WHERE r.scope = c.channel AND r.user = @user
       AND r.kind = '${kind}' AND ${ACTIVE})`;
  return {
    access: db.prepare(
      `SELECT c.room_kind, c.slow_mode, c.topic, c.archived,
         (SELECT role FROM members m WHERE m.channel = c.channel AND m.user = @user) AS role,
         ${restricted('ban')} AS banned, ${restricted('mute')} AS muted
       FROM channels c WHERE c.channel = @channel AND c.kind = 'room'`,
    ),
    settings: db.prepare(
      `UPDATE channels SET room_kind = coalesce(@kind, room_kind),
         slow_mode = coalesce(@slowMode, slow_mode), topic = coalesce(@topic, topic)
       WHERE channel = @channel AND kind = 'room'`,
    ),
    archive: db.prepare(
      `UPDATE channels SET archived = @archived
       WHERE channel = @channel AND kind = 'room' AND archived <> @archived`,
    ),
    hidden: db.prepare(
      `SELECT channel FROM channels c WHERE kind = 'room' AND room_kind = 'private'
         AND NOT EXISTS (SELECT 1 FROM members m WHERE m.channel = c.channel AND m.user = ?)
       ORDER BY channel`,
    ),
    setRole: db.prepare('UPDATE members SET role = ? WHERE channel = ? AND user = ?'),
    restrict: db.prepare(
      `INSERT OR REPLACE INTO restrictions (scope, user, kind, until_ts, reason, set_by, set_at)
       VALUES (@scope, @user, @kind, @until, @reason, @by, @at)`,
    ),
    lift: db.prepare('DELETE FROM restrictions WHERE scope = ? AND user = ? AND kind = ?'),
    restriction: db.prepare(
      `SELECT * FROM restrictions WHERE scope = @scope AND user = @user AND kind = @kind
         AND ${ACTIVE}`,
    ),
    lastSentAt: db.prepare('SELECT max(ts) FROM messages WHERE channel = ? AND sender = ?'),
    block: db.prepare('INSERT OR IGNORE INTO blocks (user, other) VALUES (?, ?)'),
    unblock: db.prepare('DELETE FROM blocks WHERE user = ? AND other = ?'),
    isBlocked: db.prepare('SELECT 1 FROM blocks WHERE user = ? AND other = ?'),
    appendAudit: db.prepare(
      `INSERT INTO audit (scope, ts, actor, action, target, detail)
       VALUES (@scope, @ts, @actor, @action, @target, @detail)`,
    ),
    audit: db.prepare('SELECT * FROM audit WHERE scope = ? AND id < ? ORDER BY id DESC LIMIT ?'),
    auditEntry: db.prepare('SELECT * FROM audit WHERE id = ?'),
  };
}

/** The ModerationStore of a SqliteStore, on its connection and schema. */
export class SqliteModeration implements ModerationStore {
  readonly #sql: ReturnType<typeof prepare>;

  constructor(
    db: Database.Database,
    private readonly run: Run,
  ) {
    this.#sql = prepare(db);
  }

  access(channel: string, user: string, now: number): Promise<RoomAccess | null> {
    return this.run(() => {
      const row = this.#sql.access.get({ channel, user, now }) as AccessRow | undefined;
      return row ? toAccess(row) : null;
    });
  }

  setRoomSettings(channel: string, s: RoomSettings): Promise<boolean> {
    const values = {
      channel,
      kind: s.kind ?? null,
      slowMode: s.slowMode ?? null,
      topic: s.topic ?? null,
    };
    return this.run(() => this.#sql.settings.run(values).changes === 1);
  }

  setArchived(channel: string, archived: boolean): Promise<boolean> {
    return this.run(
      () => this.#sql.archive.run({ channel, archived: archived ? 1 : 0 }).changes === 1,
    );
  }

  hiddenRooms(user: string): Promise<string[]> {
    return this.run(() => this.#sql.hidden.pluck().all(user) as string[]);
  }

  setRole(channel: string, user: string, role: RoomRole): Promise<boolean> {
    return this.run(() => this.#sql.setRole.run(role, channel, user).changes === 1);
  }

  restrict(r: Restriction): Promise<void> {
    return this.run(() => {
      this.#sql.restrict.run(r);
    });
  }

  lift(scope: string, user: string, kind: RestrictionKind): Promise<boolean> {
    return this.run(() => this.#sql.lift.run(scope, user, kind).changes === 1);
  }

  restriction(
    scope: string,
    user: string,
    kind: RestrictionKind,
    now: number,
  ): Promise<Restriction | null> {
    return this.run(() => {
      const row = this.#sql.restriction.get({ scope, user, kind, now }) as
        RestrictionRow | undefined;
      return row ? toRestriction(row) : null;
    });
  }

  lastSentAt(channel: string, user: string): Promise<number | null> {
    return this.run(() => this.#sql.lastSentAt.pluck().get(channel, user) as number | null);
  }

  setBlock(user: string, other: string, blocked: boolean): Promise<boolean> {
    return this.run(
      () => (blocked ? this.#sql.block : this.#sql.unblock).run(user, other).changes === 1,
    );
  }

  isBlocked(user: string, other: string): Promise<boolean> {
    return this.run(() => this.#sql.isBlocked.get(user, other) !== undefined);
  }

  appendAudit(e: Omit<AuditEntry, 'id'>): Promise<number> {
    return this.run(() => Number(this.#sql.appendAudit.run(e).lastInsertRowid));
  }

  audit(scope: string, q: { before?: number; limit: number }): Promise<AuditEntry[]> {
    return this.run(() =>
      (this.#sql.audit.all(scope, q.before ?? Number.MAX_SAFE_INTEGER, q.limit) as AuditRow[]).map(
        toAudit,
      ),
    );
  }

  auditEntry(id: number): Promise<AuditEntry | null> {
    return this.run(() => {
      const row = this.#sql.auditEntry.get(id) as AuditRow | undefined;
      return row ? toAudit(row) : null;
    });
  }
}
