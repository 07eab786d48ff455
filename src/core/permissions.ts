/**
 * The permission table: for every room command, who may run it in each room kind, whether it
 * needs membership and whether a mute stops it. `authorize` is the one decision every room
 * command makes; `scripts/gen-permissions-docs.ts` writes docs/permissions.md from this table and
 * test/core/permissions-matrix.test.ts walks every cell over the wire.
 *
 * Order of the checks (first that fails answers):
 * 1. `nonMember`: a command with one answers every non-member with that code (typing: a channel
 *    the connection does not receive).
 * 2. A private room does not exist for a non-member (server admins excepted): SB_ERR_ROOM_NOT_FOUND,
 *    exactly as for an unknown room.
 * 3. A user banned from the room: SB_ERR_BANNED.
 * 4. Membership: SB_ERR_NOT_A_MEMBER.
 * 5. Standing below the kind's minimum: SB_ERR_FORBIDDEN.
 * 6. The room's state: a command that runs only in open rooms answers SB_ERR_ROOM_ARCHIVED in an
 *    archived one (an archived room is read-only); `unarchive`, only in archived rooms, answers
 *    SB_ERR_ROOM_NOT_ARCHIVED in an open one.
 * 7. Muted, for commands a mute stops: SB_ERR_MUTED.
 * Acting on another user also needs a standing above theirs (`outranks`).
 */
import type { ErrorCode } from '../errors.js';
import type { RoomKind, RoomRole } from '../store/store.js';

/** The server role that makes a user a server admin (a JWT claim, the auth webhook, an account's roles). */
export const SERVER_ADMIN_ROLE = 'admin';

export const ROOM_KINDS: readonly RoomKind[] = ['public', 'private', 'announcement'];
export const ROOM_ROLES: readonly RoomRole[] = ['owner', 'admin', 'moderator', 'member'];
/** A room is open, or archived: read-only until unarchived. */
export type RoomState = 'open' | 'archived';
export const ROOM_STATES: readonly RoomState[] = ['open', 'archived'];
export const roomState = (access: { archived: boolean }): RoomState =>
  access.archived ? 'archived' : 'open';

/** Who may: anyone who can see the room, or members of at least a role. */
export type Standing = 'anyone' | RoomRole;

export const ROOM_COMMANDS = [
  'join',
  'leave',
  'members',
  'history',
  'typing',
  'read',
  'resume',
  'send',
  'thread',
  'follow',
  'invite',
  'kick',
  'ban',
  'unban',
  'mute',
  'unmute',
  'role',
  'room-settings',
  'archive',
  'unarchive',
  'audit',
  'report',
  'report-resolve',
  'delete',
  'edit',
  'react',
  'mention-all',
  'versions',
] as const;
export type RoomCommand = (typeof ROOM_COMMANDS)[number];

export interface Rule {
  /** Minimum standing per room kind. */
  readonly kinds: Readonly<Record<RoomKind, Standing>>;
  /** Needs membership (a server admin who is not a member does not pass either). */
  readonly member: boolean;
  /** A mute stops it. */
  readonly muted: boolean;
  /** Answers every non-member with this code, before anything else. */
  readonly nonMember?: ErrorCode;
  /** Runs only in rooms of this state; absent: in both. */
  readonly only?: RoomState;
}

const all = (s: Standing): Record<RoomKind, Standing> => ({
  public: s,
  private: s,
  announcement: s,
});
const read: Rule = { kinds: all('member'), member: true, muted: false };
const moderate: Rule = { kinds: all('moderator'), member: false, muted: false };
const manage: Rule = { kinds: all('admin'), member: false, muted: false };

export const PERMISSIONS: Readonly<Record<RoomCommand, Rule>> = {
  join: { kinds: all('anyone'), member: false, muted: false },
  leave: read,
  members: { kinds: all('anyone'), member: false, muted: false },
  history: read,
  typing: {
    kinds: { public: 'member', private: 'member', announcement: 'moderator' },
    member: true,
    muted: true,
    nonMember: 'SB_ERR_CHANNEL_INVALID',
    only: 'open',
  },
  read,
  resume: read,
  send: {
    kinds: { public: 'member', private: 'member', announcement: 'moderator' },
    member: true,
    muted: true,
    only: 'open',
  },
  /**
   * Posting in a thread (`send` with `thread`): as sending, except that members answer in the
   * threads of an announcement room (only moderators post at its top level).
   */
  thread: { kinds: all('member'), member: true, muted: true, only: 'open' },
  /** Following a thread (`follow`): as reading the room. */
  follow: read,
  invite: {
    kinds: { public: 'member', private: 'moderator', announcement: 'member' },
    member: false,
    muted: false,
  },
  kick: moderate,
  ban: moderate,
  unban: moderate,
  mute: moderate,
  unmute: moderate,
  role: manage,
  /** Kind, slow mode and topic; an archived room's too. */
  'room-settings': manage,
  /** Makes the room read-only (no sends, edits, reactions, deletes, typing); history stays. */
  archive: { ...manage, only: 'open' },
  unarchive: { ...manage, only: 'archived' },
  audit: manage,
  report: read,
  /**
   * Closing a report of the room (resolved or dismissed), archived or not; a DM's reports are
   * closed by server admins only.
   */
  'report-resolve': moderate,
  /** Another user's message (your own needs only what reading the channel needs). */
  delete: { kinds: all('moderator'), member: true, muted: false, only: 'open' },
  /** Your own message only (no role edits another's); as sending, since it is new text. */
  edit: {
    kinds: { public: 'member', private: 'member', announcement: 'moderator' },
    member: true,
    muted: true,
    only: 'open',
  },
  react: { kinds: all('member'), member: true, muted: true, only: 'open' },
  /**
   * `@room` / `@here` in a `send` or `edit`, in rooms of more than --mention-all-min-members
   * members (smaller rooms: whoever may send). SB_ERR_FORBIDDEN is answered as
   * SB_ERR_MENTION_FORBIDDEN.
   */
  'mention-all': { kinds: all('moderator'), member: true, muted: true, only: 'open' },
  /** Every text of a message, the original included; not its author by that alone. */
  versions: moderate,
};

/** A user as the check sees them in one room. */
export interface Actor {
  /** Null: not a member. */
  role: RoomRole | null;
  /** A server admin (`admin` in the connection's roles): above every room role. */
  serverAdmin: boolean;
  banned: boolean;
  muted: boolean;
}

const LEVEL: Record<Standing, number> = {
  anyone: 0,
  member: 1,
  moderator: 2,
  admin: 3,
  owner: 4,
};
const SERVER_ADMIN_LEVEL = 5;

export function level(a: Pick<Actor, 'role' | 'serverAdmin'>): number {
  return a.serverAdmin ? SERVER_ADMIN_LEVEL : a.role === null ? 0 : LEVEL[a.role];
}

/** Slow mode does not hold back moderators and above. */
export const slowModeExempt = (a: Pick<Actor, 'role' | 'serverAdmin'>): boolean =>
  level(a) >= LEVEL.moderator;

/**
 * Null when `actor` may run `command` in a room of `kind` in `state` (default open), else the
 * error code to answer.
 */
export function authorize(
  command: RoomCommand,
  kind: RoomKind,
  actor: Actor,
  state: RoomState = 'open',
): ErrorCode | null {
  const rule = PERMISSIONS[command];
  const member = actor.role !== null;
  if (!member && rule.nonMember) return rule.nonMember;
  if (!member && !actor.serverAdmin && kind === 'private') return 'SB_ERR_ROOM_NOT_FOUND';
  if (actor.banned && !actor.serverAdmin) return 'SB_ERR_BANNED';
  if (!member && rule.member) return 'SB_ERR_NOT_A_MEMBER';
  if (level(actor) < LEVEL[rule.kinds[kind]]) return 'SB_ERR_FORBIDDEN';
  if (rule.only !== undefined && rule.only !== state)
    return state === 'archived' ? 'SB_ERR_ROOM_ARCHIVED' : 'SB_ERR_ROOM_NOT_ARCHIVED';
  if (actor.muted && rule.muted) return 'SB_ERR_MUTED';
  return null;
}

/**
 * Whether `actor` may act on a user whose role is `target` (null: not a member), and give them
 * `grant` when given: both must be strictly below the actor's standing. So a moderator acts on
 * members only, an admin grants at most moderator, an owner at most admin, and only a server
 * admin grants owner.
 */
export function outranks(
  actor: Pick<Actor, 'role' | 'serverAdmin'>,
  target: RoomRole | null,
  grant?: RoomRole,
): boolean {
  const mine = level(actor);
  const theirs = target === null ? 0 : LEVEL[target];
  return theirs < mine && (grant === undefined || LEVEL[grant] < mine);
}

/** The situations the table is documented and tested for: one column each. */
export const SUBJECTS = {
  stranger: { role: null, serverAdmin: false, banned: false, muted: false },
  banned: { role: null, serverAdmin: false, banned: true, muted: false },
  member: { role: 'member', serverAdmin: false, banned: false, muted: false },
  'muted member': { role: 'member', serverAdmin: false, banned: false, muted: true },
  moderator: { role: 'moderator', serverAdmin: false, banned: false, muted: false },
  admin: { role: 'admin', serverAdmin: false, banned: false, muted: false },
  owner: { role: 'owner', serverAdmin: false, banned: false, muted: false },
  'server admin': { role: null, serverAdmin: true, banned: false, muted: false },
} as const satisfies Record<string, Actor>;
export type Subject = keyof typeof SUBJECTS;
