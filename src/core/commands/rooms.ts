/**
 * Room commands: list, create, join, leave, members.
 */
import { SwitchboardError } from '../../errors.js';
import {
  MEMBERS_PAGE_MAX,
  roomChannel,
  type ChannelState,
  type RoomInfo,
} from '../../protocol/frames.js';
import {
  NEW_ROOM,
  channelState,
  countUnread,
  withRoomLook,
  type RoomLook,
} from '../channel-state.js';
import type { ClientConnection } from '../connection.js';
import { userTopic } from '../envelope.js';
import { roomName } from './access.js';
import type { CommandContext, Handler } from './context.js';
import { joinedEnvelope, removeFromRoom } from './membership.js';
import { authorizeRoom, isServerAdmin } from './room-access.js';

/**
 * Joins the user to a room on every device here. The requesting connection is held until its
 * reply, and other devices get a `channel` frame, both carrying the position live delivery
 * starts from and the room's `look` (topic, archived); other nodes hear of it on the user's topic.
 */
async function joinRoom(
  ctx: CommandContext,
  conn: ClientConnection,
  id: string,
  look: RoomLook,
  owner = false,
): Promise<ChannelState> {
  const user = conn.user!;
  const added = await ctx.store.addMember(id, user);
  if (owner) await ctx.store.moderation.setRole(id, user, 'owner');
  const mine = await ctx.store.membership(id, user);
  // A new member's position is the room's end (0 unread); one already in it may have some.
  const state = await ctx.directory.borrow(id, (ch) => {
    const state = withRoomLook(channelState(ch, user, mine?.readSeq ?? ch.lastSeq), look);
    conn.hold();
    const frame = JSON.stringify({ type: 'channel', ...state });
    ctx.directory.subscribeUser(user, ch, {
      live: true,
      announce: (c) => (c === conn || !added ? undefined : frame),
    });
    if (added) {
      ctx.memberEvent(id.slice(5), user, true);
      ctx.publish(userTopic(user), joinedEnvelope(id, look));
    }
    return state;
  });
  return countUnread(ctx.store, state, user);
}

/**
 * Every open room (archived ones with `archived: true`) but the private ones the user is not a
 * member of (server admins see all).
 */
export const rooms: Handler<'rooms'> = async (ctx, conn, f) => {
  const [all, hidden] = await Promise.all([
    ctx.store.listRooms(),
    isServerAdmin(conn) ? [] : ctx.store.moderation.hiddenRooms(conn.user!),
  ]);
  const skip = new Set(hidden.map((id) => id.slice(5)));
  const archived = f.archived === true;
  const list: RoomInfo[] = all
    .filter((r) => !skip.has(r.room) && r.archived === archived)
    .map(({ topic, archived: a, ...r }) => ({
      ...r,
      ...(topic === '' ? {} : { topic }),
      ...(a ? { archived: true as const } : {}),
    }));
  return { rooms: list };
};

/**
 * Creates a room of the given kind (a private room too answers SB_ERR_ROOM_EXISTS: its name is
 * taken either way) with the creator as its owner.
 */
export const create: Handler<'create'> = async (ctx, conn, f) => {
  const id = roomChannel(roomName(f.room));
  const created = await ctx.store.createChannel(id, 'room', conn.user!, ctx.now());
  if (!created) throw new SwitchboardError('SB_ERR_ROOM_EXISTS', `room exists: ${f.room}`);
  if (f.kind !== undefined && f.kind !== 'public')
    await ctx.store.moderation.setRoomSettings(id, { kind: f.kind });
  ctx.events.emit('room.created', id, {
    room: id.slice(5),
    kind: f.kind ?? 'public',
    by: conn.user!,
  });
  return joinRoom(ctx, conn, id, NEW_ROOM, true);
};

export const join: Handler<'join'> = async (ctx, conn, f) => {
  const { id, access } = await authorizeRoom(ctx, conn, 'join', f.room);
  return joinRoom(ctx, conn, id, access);
};

export const leave: Handler<'leave'> = async (ctx, conn, f) => {
  const { id } = await authorizeRoom(ctx, conn, 'leave', f.room);
  // The user's other devices are no longer subscribed, so they hear of it directly.
  if (!(await removeFromRoom(ctx, id, conn.user!, conn)))
    throw new SwitchboardError('SB_ERR_NOT_A_MEMBER');
  return {};
};

/**
 * One page of the members with their role and mute (what a member list and its moderation menu
 * show), the room's kind and member count. One standing read per member of the page, so a page
 * costs the same in a room of ten and of 100,000; the count is the room's tally when it is
 * active here.
 */
export const members: Handler<'members'> = async (ctx, conn, f) => {
  const { id, access } = await authorizeRoom(ctx, conn, 'members', f.room);
  const limit = f.limit ?? MEMBERS_PAGE_MAX;
  // One more than asked tells whether a next page exists.
  const page = await ctx.store.membersPage(id, f.after ?? null, limit + 1);
  const list = page.slice(0, limit);
  const tally = ctx.directory.channels.get(id)?.tally;
  const now = ctx.now();
  const [count, standings] = await Promise.all([
    tally?.loaded ? tally.size : ctx.store.memberCount(id),
    Promise.all(list.map((u) => ctx.store.moderation.access(id, u, now))),
  ]);
  return {
    kind: access.kind,
    members: list.map((user, i) => ({
      user,
      connections: ctx.presence.count(user),
      role: standings[i]?.role ?? 'member',
      ...(standings[i]?.muted ? { muted: true } : {}),
    })),
    count,
    ...(page.length > limit ? { next: list.at(-1)! } : {}),
  };
};

export const users: Handler<'users'> = async (ctx) => ({
  users: [...ctx.presence.list()].map(([user, connections]) => ({ user, connections })),
});
