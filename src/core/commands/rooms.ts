/**
 * Room commands: list, create, join, leave, members.
 */
import { SwitchboardError } from '../../errors.js';
import { roomChannel, type ChannelState } from '../../protocol/frames.js';
import { channelState } from '../channel-state.js';
import type { ClientConnection } from '../connection.js';
import { userTopic } from '../envelope.js';
import { requireRoom, roomName } from './access.js';
import type { CommandContext, Handler } from './context.js';

/**
 * Joins the user to a room on every device here. The requesting connection is held until its
 * reply, and other devices get a `channel` frame, both carrying the position live delivery
 * starts from; other nodes hear of it on the user's topic.
 */
async function joinRoom(
  ctx: CommandContext,
  conn: ClientConnection,
  id: string,
): Promise<ChannelState> {
  const user = conn.user!;
  const added = await ctx.store.addMember(id, user);
  const mine = await ctx.store.membership(id, user);
  return ctx.directory.borrow(id, (ch) => {
    const state = channelState(ch, user, mine?.readSeq ?? ch.lastSeq);
    conn.hold();
    const frame = JSON.stringify({ type: 'channel', ...state });
    ctx.directory.subscribeUser(user, ch, {
      live: true,
      announce: (c) => (c === conn || !added ? undefined : frame),
    });
    if (added) {
      ctx.memberEvent(id.slice(5), user, true);
      ctx.publish(userTopic(user), { k: 'membership', c: id, j: true });
    }
    return state;
  });
}

export const rooms: Handler<'rooms'> = async (ctx) => ({ rooms: await ctx.store.listRooms() });

export const create: Handler<'create'> = async (ctx, conn, f) => {
  const id = roomChannel(roomName(f.room));
  const created = await ctx.store.createChannel(id, 'room', conn.user!, ctx.now());
  if (!created) throw new SwitchboardError('SB_ERR_ROOM_EXISTS', `room exists: ${f.room}`);
  return joinRoom(ctx, conn, id);
};

export const join: Handler<'join'> = async (ctx, conn, f) =>
  joinRoom(ctx, conn, await requireRoom(ctx, f.room));

export const leave: Handler<'leave'> = async (ctx, conn, f) => {
  const id = await requireRoom(ctx, f.room);
  const user = conn.user!;
  if (!(await ctx.store.removeMember(id, user))) throw new SwitchboardError('SB_ERR_NOT_A_MEMBER');
  ctx.memberEvent(f.room, user, false);
  ctx.directory.unsubscribeUser(user, id);
  // The user's other devices are no longer subscribed, so they hear of it directly.
  ctx.directory.pushToUser(
    user,
    JSON.stringify({ type: 'member', room: f.room, user, joined: false }),
    conn,
  );
  ctx.publish(userTopic(user), { k: 'membership', c: id, j: false });
  return {};
};

export const members: Handler<'members'> = async (ctx, _conn, f) => {
  const id = await requireRoom(ctx, f.room);
  const list = await ctx.store.members(id);
  return { members: list.map((user) => ({ user, connections: ctx.presence.count(user) })) };
};

export const users: Handler<'users'> = async (ctx) => ({
  users: [...ctx.presence.list()].map(([user, connections]) => ({ user, connections })),
});
