/**
 * Adding and removing a room member on every node: the user's connections here at once, the
 * other nodes over the user's topic (`membership`), and the room's member event.
 */
import type { ClientConnection } from '../connection.js';
import { channelState, withRoomLook, type RoomLook } from '../channel-state.js';
import { userTopic, type Envelope } from '../envelope.js';
import type { CommandContext } from './context.js';

/**
 * Takes `user` out of room `id`: every device of theirs leaves the room's stream at once (here
 * directly, elsewhere when the bus delivers) and hears it as `member … joined:false`, except
 * `except` (the device that asked to leave: it gets the reply). `removed`: a moderator kicked or
 * banned them, said to their own devices so they can tell it from a leave elsewhere. Resolves
 * false when not a member.
 */
export async function removeFromRoom(
  ctx: CommandContext,
  id: string,
  user: string,
  except?: ClientConnection,
  removed?: 'kick' | 'ban',
): Promise<boolean> {
  if (!(await ctx.store.removeMember(id, user))) return false;
  const room = id.slice(5);
  ctx.memberEvent(room, user, false);
  const type =
    removed === 'kick' ? 'member.kicked' : removed === 'ban' ? 'member.banned' : 'member.left';
  ctx.events.emit(type, id, { room, user });
  ctx.directory.unsubscribeUser(user, id);
  ctx.directory.pushToUser(
    user,
    JSON.stringify({ type: 'member', room, user, joined: false, ...(removed ? { removed } : {}) }),
    except,
  );
  ctx.publish(userTopic(user), {
    k: 'membership',
    c: id,
    j: false,
    ...(removed ? { r: removed } : {}),
  });
  return true;
}

/**
 * Makes `user` a member of room `id` on someone else's behalf (an invite): their devices here
 * get the room's `channel` frame (with its `look`) and its live messages, other nodes hear of it
 * on the user's topic. Resolves false when already a member.
 */
export async function addToRoom(
  ctx: CommandContext,
  id: string,
  user: string,
  look: RoomLook,
): Promise<boolean> {
  if (!(await ctx.store.addMember(id, user))) return false;
  await ctx.directory.borrow(id, (ch) => {
    const state = withRoomLook(channelState(ch, user, ch.lastSeq), look);
    const frame = JSON.stringify({ type: 'channel', ...state });
    ctx.directory.subscribeUser(user, ch, { live: true, announce: () => frame });
  });
  ctx.memberEvent(id.slice(5), user, true);
  ctx.publish(userTopic(user), joinedEnvelope(id, look));
  return true;
}

/** What tells the user's other nodes they joined room `id`: with its look, for their `channel` frame. */
export const joinedEnvelope = (id: string, look: RoomLook): Envelope => ({
  k: 'membership',
  c: id,
  j: true,
  t: look.topic,
  a: look.archived,
});
