/**
 * Moderation commands: invite, kick, ban and unban (a room, or the server), mute and unmute,
 * role changes, room settings and archiving, and the audit log that records each of them. Every one passes the
 * permission table first (authorizeRoom); acting on a user also needs a standing above theirs.
 */
import { SwitchboardError } from '../../errors.js';
import {
  HANDLE_RE,
  MAX_TOPIC_CHARS,
  type ModeratedEvent,
  type RoleEvent,
  type RoomEvent,
} from '../../protocol/frames.js';
import { SERVER_SCOPE, type RestrictionKind, type RoomRole } from '../../store/store.js';
import { CloseCode } from '../../protocol/close-codes.js';
import type { ClientConnection } from '../connection.js';
import { SERVER_ADMIN_ROLE, outranks } from '../permissions.js';
import type { CommandContext, Handler } from './context.js';
import { addToRoom, removeFromRoom } from './membership.js';
import { authorizeRoom, isServerAdmin, type RoomGrant } from './room-access.js';

function handleOf(user: string): string {
  const h = user.toLowerCase();
  if (!HANDLE_RE.test(h))
    throw new SwitchboardError('SB_ERR_USER_NOT_FOUND', `no such user: ${user}`);
  return h;
}

/**
 * A server admin stands above every room role as a target too, and acting needs a standing
 * strictly above the target's: no one acts on a server admin (an operator takes the role away
 * first). Known from the roles the authenticator keeps: an account's, and those a JWT or the
 * auth webhook last presented (kept in the store at each hello, so on every node).
 */
async function guardServerAdmin(ctx: CommandContext, user: string): Promise<void> {
  const roles = (await ctx.auth.serverRoles?.(user)) ?? [];
  if (roles.includes(SERVER_ADMIN_ROLE))
    throw new SwitchboardError('SB_ERR_OUTRANKED', `${user} is a server admin`);
}

/** The target's role in the room; SB_ERR_OUTRANKED unless the actor is above it (and `grant`). */
async function targetRole(
  ctx: CommandContext,
  grant: RoomGrant,
  user: string,
  give?: RoomRole,
): Promise<RoomRole | null> {
  const [target] = await Promise.all([
    ctx.store.moderation.access(grant.id, user, ctx.now()),
    guardServerAdmin(ctx, user),
  ]);
  const role = target?.role ?? null;
  if (!outranks(grant.actor, role, give)) throw new SwitchboardError('SB_ERR_OUTRANKED');
  return role;
}

async function record(
  ctx: CommandContext,
  conn: ClientConnection,
  scope: string,
  action: string,
  target: string | null,
  detail: Record<string, unknown>,
): Promise<void> {
  const entries = Object.entries(detail).filter(([, v]) => v !== undefined);
  await ctx.store.moderation.appendAudit({
    scope,
    ts: ctx.now(),
    actor: conn.user!,
    action,
    target,
    detail: entries.length === 0 ? null : JSON.stringify(Object.fromEntries(entries)),
  });
}

const until = (ctx: CommandContext, duration: number | undefined): number | null =>
  duration === undefined ? null : ctx.now() + duration * 1000;

/** Tells every device of `user` what was done to them in room `id` (ModeratedEventFrame). */
function notify(
  ctx: CommandContext,
  user: string,
  id: string,
  action: ModeratedEvent['action'],
  more: { until?: number | null; reason?: string; role?: RoomRole } = {},
): void {
  const event: ModeratedEvent = {
    action,
    room: id.slice(5),
    ...(more.until == null ? {} : { until: more.until }),
    ...(more.reason === undefined ? {} : { reason: more.reason }),
    ...(more.role === undefined ? {} : { role: more.role }),
  };
  ctx.notifyUser(user, JSON.stringify({ type: 'moderated', ...event }));
}

async function restrict(
  ctx: CommandContext,
  conn: ClientConnection,
  scope: string,
  kind: RestrictionKind,
  f: { user: string; duration?: number; reason?: string },
): Promise<number | null> {
  const user = handleOf(f.user);
  const ends = until(ctx, f.duration);
  await ctx.store.moderation.restrict({
    scope,
    user,
    kind,
    until: ends,
    reason: f.reason ?? null,
    by: conn.user!,
    at: ctx.now(),
  });
  await record(ctx, conn, scope, kind, user, { duration: f.duration, reason: f.reason });
  return ends;
}

export const invite: Handler<'invite'> = async (ctx, conn, f) => {
  const grant = await authorizeRoom(ctx, conn, 'invite', f.room);
  const user = handleOf(f.user);
  if (!(await ctx.auth.exists(user)))
    throw new SwitchboardError('SB_ERR_USER_NOT_FOUND', `no such user: ${f.user}`);
  const target = await ctx.store.moderation.access(grant.id, user, ctx.now());
  if (target?.banned)
    throw new SwitchboardError('SB_ERR_BANNED', `${user} is banned from the room`);
  if (await addToRoom(ctx, grant.id, user, grant.access))
    await record(ctx, conn, grant.id, 'invite', user, {});
  return {};
};

export const kick: Handler<'kick'> = async (ctx, conn, f) => {
  const grant = await authorizeRoom(ctx, conn, 'kick', f.room);
  const user = handleOf(f.user);
  if ((await targetRole(ctx, grant, user)) === null)
    throw new SwitchboardError('SB_ERR_NOT_A_MEMBER', `not a member: ${user}`);
  notify(ctx, user, grant.id, 'kick', { reason: f.reason });
  await removeFromRoom(ctx, grant.id, user, undefined, 'kick');
  await record(ctx, conn, grant.id, 'kick', user, { reason: f.reason });
  return {};
};

/** A room ban removes the user from it; a server ban closes their connections everywhere. */
export const ban: Handler<'ban'> = async (ctx, conn, f) => {
  const user = handleOf(f.user);
  if (f.room === undefined) {
    if (!isServerAdmin(conn)) throw new SwitchboardError('SB_ERR_FORBIDDEN');
    await guardServerAdmin(ctx, user);
    await restrict(ctx, conn, SERVER_SCOPE, 'ban', f);
    ctx.disconnectUser(user, CloseCode.BANNED);
    return {};
  }
  const grant = await authorizeRoom(ctx, conn, 'ban', f.room);
  await targetRole(ctx, grant, user);
  const ends = await restrict(ctx, conn, grant.id, 'ban', f);
  notify(ctx, user, grant.id, 'ban', { until: ends, reason: f.reason });
  await removeFromRoom(ctx, grant.id, user, undefined, 'ban');
  return {};
};

export const unban: Handler<'unban'> = async (ctx, conn, f) => {
  const user = handleOf(f.user);
  let scope = SERVER_SCOPE;
  if (f.room === undefined) {
    if (!isServerAdmin(conn)) throw new SwitchboardError('SB_ERR_FORBIDDEN');
  } else scope = (await authorizeRoom(ctx, conn, 'unban', f.room)).id;
  if (await ctx.store.moderation.lift(scope, user, 'ban')) {
    await record(ctx, conn, scope, 'unban', user, {});
    if (scope !== SERVER_SCOPE) notify(ctx, user, scope, 'unban');
  }
  return {};
};

export const mute: Handler<'mute'> = async (ctx, conn, f) => {
  const grant = await authorizeRoom(ctx, conn, 'mute', f.room);
  const user = handleOf(f.user);
  await targetRole(ctx, grant, user);
  const ends = await restrict(ctx, conn, grant.id, 'mute', f);
  notify(ctx, user, grant.id, 'mute', { until: ends, reason: f.reason });
  return {};
};

export const unmute: Handler<'unmute'> = async (ctx, conn, f) => {
  const grant = await authorizeRoom(ctx, conn, 'unmute', f.room);
  const user = handleOf(f.user);
  await targetRole(ctx, grant, user);
  if (await ctx.store.moderation.lift(grant.id, user, 'mute')) {
    await record(ctx, conn, grant.id, 'unmute', user, {});
    notify(ctx, user, grant.id, 'unmute');
  }
  return {};
};

export const role: Handler<'role'> = async (ctx, conn, f) => {
  const grant = await authorizeRoom(ctx, conn, 'role', f.room);
  const user = handleOf(f.user);
  if ((await targetRole(ctx, grant, user, f.role)) === null)
    throw new SwitchboardError('SB_ERR_NOT_A_MEMBER', `not a member: ${user}`);
  await ctx.store.moderation.setRole(grant.id, user, f.role);
  await record(ctx, conn, grant.id, 'role', user, { role: f.role });
  const event: RoleEvent = { room: grant.id.slice(5), user, role: f.role };
  ctx.channelEvent(grant.id, JSON.stringify({ type: 'role', ...event }));
  notify(ctx, user, grant.id, 'role', { role: f.role });
  return {};
};

/**
 * What changed in a room, told everywhere it matters: the audit log, the `room.changed` webhook
 * event, and a `room` frame to everyone receiving the room on every node.
 */
async function roomChanged(
  ctx: CommandContext,
  conn: ClientConnection,
  id: string,
  action: string,
  change: Omit<RoomEvent, 'room'>,
): Promise<void> {
  const defined = Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined));
  await record(ctx, conn, id, action, null, action === 'room-settings' ? defined : {});
  const event: RoomEvent = { room: id.slice(5), ...defined };
  ctx.events.emit('room.changed', id, { ...event, by: conn.user! });
  ctx.channelEvent(id, JSON.stringify({ type: 'room', ...event }));
}

/** A topic trimmed, or SB_ERR_TOPIC_TOO_LONG past MAX_TOPIC_CHARS code points. */
function topicOf(topic: string | undefined): string | undefined {
  if (topic === undefined) return undefined;
  const trimmed = topic.trim();
  if ([...trimmed].length > MAX_TOPIC_CHARS) throw new SwitchboardError('SB_ERR_TOPIC_TOO_LONG');
  return trimmed;
}

export const roomSettings: Handler<'room-settings'> = async (ctx, conn, f) => {
  if (f.kind === undefined && f.slowMode === undefined && f.topic === undefined)
    throw new SwitchboardError('SB_ERR_BAD_FRAME', 'give kind, slowMode, topic or several');
  const topic = topicOf(f.topic);
  const grant = await authorizeRoom(ctx, conn, 'room-settings', f.room);
  const settings = { kind: f.kind, slowMode: f.slowMode, topic };
  await ctx.store.moderation.setRoomSettings(grant.id, settings);
  await roomChanged(ctx, conn, grant.id, 'room-settings', settings);
  return {};
};

/**
 * Archives or unarchives a room. The table refuses the wrong state first; the store's
 * conditional update settles a race between nodes (the loser answers as if it had seen it).
 */
async function setArchived(
  ctx: CommandContext,
  conn: ClientConnection,
  room: string,
  archived: boolean,
): Promise<Record<string, never>> {
  const grant = await authorizeRoom(ctx, conn, archived ? 'archive' : 'unarchive', room);
  if (!(await ctx.store.moderation.setArchived(grant.id, archived)))
    throw new SwitchboardError(archived ? 'SB_ERR_ROOM_ARCHIVED' : 'SB_ERR_ROOM_NOT_ARCHIVED');
  await roomChanged(ctx, conn, grant.id, archived ? 'archive' : 'unarchive', { archived });
  return {};
}

export const archive: Handler<'archive'> = (ctx, conn, f) => setArchived(ctx, conn, f.room, true);

export const unarchive: Handler<'unarchive'> = (ctx, conn, f) =>
  setArchived(ctx, conn, f.room, false);

export const audit: Handler<'audit'> = async (ctx, conn, f) => {
  let scope = SERVER_SCOPE;
  if (f.room === undefined) {
    if (!isServerAdmin(conn)) throw new SwitchboardError('SB_ERR_FORBIDDEN');
  } else scope = (await authorizeRoom(ctx, conn, 'audit', f.room)).id;
  const rows = await ctx.store.moderation.audit(scope, { before: f.before, limit: f.limit ?? 50 });
  return {
    entries: rows.map((e) => ({
      id: e.id,
      ...(e.scope === SERVER_SCOPE ? {} : { room: e.scope.slice(5) }),
      ts: e.ts,
      actor: e.actor,
      action: e.action,
      ...(e.target === null ? {} : { target: e.target }),
      ...(e.detail === null ? {} : { detail: JSON.parse(e.detail) as unknown }),
    })),
  };
};

export const block: Handler<'block'> = async (ctx, conn, f) => {
  await ctx.store.moderation.setBlock(conn.user!, handleOf(f.user), true);
  return {};
};

export const unblock: Handler<'unblock'> = async (ctx, conn, f) => {
  await ctx.store.moderation.setBlock(conn.user!, handleOf(f.user), false);
  return {};
};
