/**
 * Room administration and moderation for apps built on the SDK (docs/protocol.md, "Rooms, roles
 * and moderation"): invite, kick, ban, mute, roles, room settings, blocks, the audit log,
 * deleting, reporting messages and closing reports, the previous versions of an edited message, and the member
 * list with roles. Each call is one frame
 * through `client.command()`; a refusal rejects as a SwitchboardError with the server's code
 * (SB_ERR_FORBIDDEN, SB_ERR_OUTRANKED, ...). Creating a private room is `client.createRoom(room,
 * 'private')`; the 'delete', 'report' and 'member' (with `removed`) events come from the client.
 *
 * `allowed` and `outranks` mirror the server's permission table (src/core/permissions.ts, kept
 * in step by test/client/moderation.test.ts) so a UI can offer only what the server would let
 * the viewer do; the server still decides.
 *
 * Its own entry point (`switchboard/client/moderation`), so apps that do not moderate do not
 * carry it in the SDK bundle.
 */
import type {
  AuditEntry,
  ChatMessage,
  MembersResult,
  ReportClosed,
  RoomKind,
  RoomRole,
  VersionsResult,
} from '../protocol/frames.js';
import type { ReportOutcome } from '../protocol/report-state.js';
import type { SwitchboardClient } from './client.js';
import type { MembersPage } from './types.js';

export type { AuditEntry, MembersResult, ReportClosed, ReportOutcome, RoomKind, RoomRole };

export interface RestrictOptions {
  /** Seconds until it ends by itself (1 s to 10 years); default: until lifted. */
  duration?: number;
  /** Why; kept in the audit log (at most 500 characters). */
  reason?: string;
}

export interface AuditQuery {
  /** Absent: the server-wide log (server admins only). */
  room?: string;
  /** Entries with id < before (page back). */
  before?: number;
  /** Page size, 1-500 (server default 50). */
  limit?: number;
}

type Client = Pick<SwitchboardClient, 'command'>;

/** One page of the room's members with roles, mutes and connection counts, its kind and count. */
export function roomMembers(
  client: Client,
  room: string,
  page: MembersPage = {},
): Promise<MembersResult> {
  return client.command<MembersResult>({ type: 'members', room, ...page });
}

/** Makes `user` a member of `room` (the way into a private room); every device of theirs follows. */
export async function invite(client: Client, room: string, user: string): Promise<void> {
  await client.command({ type: 'invite', room, user });
}

/** Removes a member: every device of theirs leaves the room at once. They may rejoin a public room. */
export async function kick(client: Client, room: string, user: string, reason?: string) {
  await client.command({ type: 'kick', room, user, reason });
}

/** Bans `user` from `room` (and removes them), or with room null server-wide (server admins). */
export async function ban(
  client: Client,
  room: string | null,
  user: string,
  options: RestrictOptions = {},
): Promise<void> {
  await client.command({ type: 'ban', room: room ?? undefined, user, ...options });
}

/** Lifts a ban of `room`, or with room null a server-wide one. */
export async function unban(client: Client, room: string | null, user: string): Promise<void> {
  await client.command({ type: 'unban', room: room ?? undefined, user });
}

/** Stops a member from sending and typing in `room`; their sends answer SB_ERR_MUTED. */
export async function mute(
  client: Client,
  room: string,
  user: string,
  options: RestrictOptions = {},
): Promise<void> {
  await client.command({ type: 'mute', room, user, ...options });
}

export async function unmute(client: Client, room: string, user: string): Promise<void> {
  await client.command({ type: 'unmute', room, user });
}

/** Gives a member a role; their role and the new one must both be below the viewer's. */
export async function setRole(client: Client, room: string, user: string, role: RoomRole) {
  await client.command({ type: 'role', room, user, role });
}

/**
 * Changes a room's kind, slow mode (seconds between a member's messages; 0: off) and/or topic
 * (at most MAX_TOPIC_CHARS characters; '' clears it).
 */
export async function roomSettings(
  client: Client,
  room: string,
  settings: { kind?: RoomKind; slowMode?: number; topic?: string },
): Promise<void> {
  await client.command({ type: 'room-settings', room, ...settings });
}

/** Archives a room (read-only until unarchived), or unarchives it with `archived` false. */
export async function setArchived(client: Client, room: string, archived = true): Promise<void> {
  await client.command({ type: archived ? 'archive' : 'unarchive', room });
}

/** Refuses direct messages from `user`. */
export async function block(client: Client, user: string): Promise<void> {
  await client.command({ type: 'block', user });
}

export async function unblock(client: Client, user: string): Promise<void> {
  await client.command({ type: 'unblock', user });
}

/** The moderation log of a room (its admins) or of the server (server admins), newest first. */
export async function audit(client: Client, query: AuditQuery = {}): Promise<AuditEntry[]> {
  return (await client.command<{ entries: AuditEntry[] }>({ type: 'audit', ...query })).entries;
}

/**
 * Deletes a message (your own, or as a moderator anyone's in a room) and resolves with the delete
 * event; the client emits 'delete' for it here as everywhere else.
 */
export async function deleteMessage(
  client: Client,
  channel: string,
  seq: number,
): Promise<ChatMessage> {
  return (await client.command<{ message: ChatMessage }>({ type: 'delete', channel, seq })).message;
}

/** Reports a message to the room's moderators and the server admins (a DM's: the admins). */
export async function report(client: Client, channel: string, seq: number, reason?: string) {
  await client.command({ type: 'report', channel, seq, reason });
}

/**
 * Closes a report as 'resolved' (acted on) or 'dismissed' (nothing to act on), with an optional
 * `note` (at most 500 characters) kept in the audit log, and resolves how it was closed.
 * `report` is the report's audit entry id (an `audit()` entry of action 'report'). Room
 * moderators and above (a DM's report: server admins); a report is closed once: again rejects
 * with SB_ERR_REPORT_CLOSED, an unknown id with SB_ERR_REPORT_NOT_FOUND.
 */
export async function resolveReport(
  client: Client,
  report: number,
  outcome: ReportOutcome,
  note?: string,
): Promise<ReportClosed> {
  return client.command<ReportClosed>({ type: 'report-resolve', report, outcome, note });
}

/** One text a message has had, and when it was sent or edited to it. */
export interface MessageVersion {
  text: string;
  ts: number;
}

/**
 * Every text room message `seq` has had, oldest first (the original, then each edit; the last is
 * the current text). Room moderators and above and server admins only: others get
 * SB_ERR_FORBIDDEN, a deleted message SB_ERR_MESSAGE_NOT_FOUND.
 */
export async function messageVersions(
  client: Client,
  channel: string,
  seq: number,
): Promise<MessageVersion[]> {
  return (await client.command<VersionsResult>({ type: 'versions', channel, seq })).versions;
}

// --- the permission table's mirror ----------------------------------------------------------

/** A role's rank; 0 for a non-member. */
export const ROLE_LEVEL: Readonly<Record<RoomRole, number>> = {
  member: 1,
  moderator: 2,
  admin: 3,
  owner: 4,
};

/** The commands a UI offers per room and the least role each needs, by room kind. */
export type ModerationCommand =
  | 'invite'
  | 'kick'
  | 'ban'
  | 'unban'
  | 'mute'
  | 'unmute'
  | 'role'
  | 'room-settings'
  | 'archive'
  | 'unarchive'
  | 'audit'
  /** Someone else's message (your own needs only membership). */
  | 'delete'
  /** The previous texts of an edited room message. */
  | 'versions';

const NEEDS: Readonly<Record<ModerationCommand, RoomRole | Record<RoomKind, RoomRole>>> = {
  invite: { public: 'member', private: 'moderator', announcement: 'member' },
  kick: 'moderator',
  ban: 'moderator',
  unban: 'moderator',
  mute: 'moderator',
  unmute: 'moderator',
  delete: 'moderator',
  versions: 'moderator',
  role: 'admin',
  'room-settings': 'admin',
  archive: 'admin',
  unarchive: 'admin',
  audit: 'admin',
};

const rank = (role: RoomRole | null): number => (role === null ? 0 : ROLE_LEVEL[role]);

/** Whether a member of `role` (null: not a member) may run `command` in a room of `kind`. */
export function allowed(
  command: ModerationCommand,
  kind: RoomKind,
  role: RoomRole | null,
): boolean {
  const need = NEEDS[command];
  return rank(role) >= ROLE_LEVEL[typeof need === 'string' ? need : need[kind]];
}

/**
 * Whether a member of role `actor` may act on one of role `target` (and give them `grant`): both
 * must be strictly below the actor's role.
 */
export function outranks(actor: RoomRole | null, target: RoomRole | null, grant?: RoomRole) {
  const mine = rank(actor);
  return rank(target) < mine && (grant === undefined || ROLE_LEVEL[grant] < mine);
}
