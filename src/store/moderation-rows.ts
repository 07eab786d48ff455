/**
 * Rows of the moderation tables as both SQL backends return them, and their conversion to the
 * seam's types (./moderation-store.ts).
 */
import type { AuditEntry, Restriction, RestrictionKind, RoomAccess } from './moderation-store.js';

export interface RestrictionRow {
  scope: string;
  user: string;
  kind: RestrictionKind;
  until_ts: number | null;
  reason: string | null;
  set_by: string;
  set_at: number;
}

export const toRestriction = (r: RestrictionRow): Restriction => ({
  scope: r.scope,
  user: r.user,
  kind: r.kind,
  until: r.until_ts,
  reason: r.reason,
  by: r.set_by,
  at: r.set_at,
});

/** One row: the room's settings, the member's role, and whether each restriction is active. */
export interface AccessRow {
  room_kind: RoomAccess['kind'];
  slow_mode: number;
  topic: string;
  archived: number | boolean;
  role: RoomAccess['role'];
  banned: number | boolean;
  muted: number | boolean;
}

export const toAccess = (r: AccessRow): RoomAccess => ({
  kind: r.room_kind,
  role: r.role,
  slowMode: r.slow_mode,
  topic: r.topic,
  archived: Boolean(r.archived),
  banned: Boolean(r.banned),
  muted: Boolean(r.muted),
});

export interface AuditRow {
  id: number;
  scope: string;
  ts: number;
  actor: string;
  action: string;
  target: string | null;
  detail: string | null;
}

export const toAudit = (r: AuditRow): AuditEntry => ({ ...r });
