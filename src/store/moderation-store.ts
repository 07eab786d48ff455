/**
 * The moderation seam: room kinds and settings, member roles, bans and mutes with an optional
 * expiry, blocks between users, and the audit log of moderation acts. Kept in the same database
 * as the channels (a member's role lives with the membership and goes with it).
 *
 * Guarantees every implementation gives (checked by test/store/cases/moderation.ts):
 * - A new room is `public` with slow mode 0, no topic (''), not archived; a new member's role is
 *   `member`; removing a member forgets their role.
 * - `setArchived` changes the state at most once per call: of two racing archives one resolves true.
 * - A restriction (ban or mute) is one per (scope, user, kind): setting it again replaces it.
 *   It is active while `until` is null or later than the `now` a reader passes.
 * - Audit entries get increasing ids and are read newest first.
 * - Backend failures reject with SB_ERR_STORE_UNAVAILABLE, the driver error as `cause`.
 */

export type RoomKind = 'public' | 'private' | 'announcement';
export type RoomRole = 'owner' | 'admin' | 'moderator' | 'member';
export type RestrictionKind = 'ban' | 'mute';

/** The scope of a server-wide restriction or audit entry (rooms use their channel id). */
export const SERVER_SCOPE = '';

export interface Restriction {
  /** A room's channel id, or SERVER_SCOPE. */
  scope: string;
  user: string;
  kind: RestrictionKind;
  /** Milliseconds since the epoch when it ends; null: until lifted. */
  until: number | null;
  reason: string | null;
  by: string;
  at: number;
}

/** What the permission check needs to know of one user in one room, read at once. */
export interface RoomAccess {
  kind: RoomKind;
  /** Null when not a member. */
  role: RoomRole | null;
  /** Seconds between a member's messages; 0 is off. */
  slowMode: number;
  /** The room's topic; '' when none. */
  topic: string;
  /** Archived: read-only (no sends, edits, reactions) until unarchived. */
  archived: boolean;
  /** Under an active room ban. */
  banned: boolean;
  /** Under an active room mute. */
  muted: boolean;
}

/** The settings `room-settings` changes; an absent one is left as it is. */
export interface RoomSettings {
  kind?: RoomKind;
  slowMode?: number;
  topic?: string;
}

export interface AuditEntry {
  id: number;
  /** A room's channel id, or SERVER_SCOPE. */
  scope: string;
  ts: number;
  actor: string;
  /** The command: invite, kick, ban, unban, mute, unmute, role, room-settings, delete, report, report-resolve. */
  action: string;
  target: string | null;
  /** JSON of the act's arguments (duration, role, kind, reason…). */
  detail: string | null;
}

export interface ModerationStore {
  /** Kind, role and restrictions of `user` in room `channel`; null when no such room. */
  access(channel: string, user: string, now: number): Promise<RoomAccess | null>;
  /** Changes the room's kind, slow mode and/or topic; resolves false when no such room. */
  setRoomSettings(channel: string, settings: RoomSettings): Promise<boolean>;
  /** Archives or unarchives a room; resolves false when no such room or already in that state. */
  setArchived(channel: string, archived: boolean): Promise<boolean>;
  /** Rooms of kind `private` the user is not a member of (hidden from them). */
  hiddenRooms(user: string): Promise<string[]>;
  /** Sets a member's role; resolves false when not a member. */
  setRole(channel: string, user: string, role: RoomRole): Promise<boolean>;
  /** Adds or replaces the restriction of (scope, user, kind). */
  restrict(r: Restriction): Promise<void>;
  /** Removes it; resolves false when there was none (active or not). */
  lift(scope: string, user: string, kind: RestrictionKind): Promise<boolean>;
  /** The active restriction of (scope, user, kind), or null. */
  restriction(
    scope: string,
    user: string,
    kind: RestrictionKind,
    now: number,
  ): Promise<Restriction | null>;
  /** The ts of the user's last message in the channel, or null (slow mode). */
  lastSentAt(channel: string, user: string): Promise<number | null>;
  /** `user` blocks (or unblocks) `other`: no DMs from them; resolves whether it changed. */
  setBlock(user: string, other: string, blocked: boolean): Promise<boolean>;
  isBlocked(user: string, other: string): Promise<boolean>;
  /** Appends an entry; resolves its id. */
  appendAudit(e: Omit<AuditEntry, 'id'>): Promise<number>;
  /** Entries of one scope, newest first, with id < before when given. */
  audit(scope: string, query: { before?: number; limit: number }): Promise<AuditEntry[]>;
  /** The entry with this id, of any scope, or null. */
  auditEntry(id: number): Promise<AuditEntry | null>;
}
