/**
 * Checks and lookups several commands share: valid names, existing rooms, which channels a user
 * may read, and following a DM from the member's floor.
 */
import { SwitchboardError } from '../../errors.js';
import { parseChannel, roomChannel } from '../../protocol/frames.js';
import { isMessage, type StoredMessage } from '../../store/store.js';
import type { ClientConnection } from '../connection.js';
import type { LocalChannel } from '../local-channel.js';
import type { CommandContext } from './context.js';
import { authorizeRoom, roomName, roomNotFound } from './room-access.js';

export { roomName };

/** The channel id of an existing room; SB_ERR_ROOM_NOT_FOUND otherwise. */
export async function requireRoom(ctx: CommandContext, room: string): Promise<string> {
  const id = roomChannel(roomName(room));
  if (!(await ctx.store.head(id))) throw roomNotFound(room);
  return id;
}

/**
 * The channel a user may read and the user's floor in it (nothing at or below it is theirs to
 * see). Rooms need what the permission table says and have floor 0; DMs need membership too (a participant's handle
 * may have been reclaimed by someone new since) and have the member's floor.
 */
export async function readableChannel(
  ctx: CommandContext,
  conn: ClientConnection,
  channel: string,
  command: 'history' | 'read' | 'resume' | 'report' | 'follow',
): Promise<{ id: string; floor: number }> {
  const user = conn.user!;
  const parsed = parseChannel(channel);
  if (!parsed) throw new SwitchboardError('SB_ERR_CHANNEL_INVALID');
  if (parsed.kind === 'dm') {
    if (!parsed.users.includes(user)) throw new SwitchboardError('SB_ERR_CHANNEL_INVALID');
    const pos = await ctx.store.membership(channel, user);
    if (!pos) throw new SwitchboardError('SB_ERR_CHANNEL_INVALID');
    return { id: channel, floor: pos.floorSeq };
  }
  // Receiving it means being a member (a kick unsubscribes every device at once).
  if (conn.channels.has(channel)) return { id: channel, floor: 0 };
  await authorizeRoom(ctx, conn, command, parsed.room);
  return { id: channel, floor: 0 };
}

/**
 * Message `seq` of `channel` as stored now, when it is a message (not an event) above `floor`
 * that is not deleted: what an edit, a reaction, a delete, a report or a reply may point at.
 * SB_ERR_MESSAGE_NOT_FOUND otherwise.
 */
export async function liveMessage(
  ctx: Pick<CommandContext, 'store'>,
  channel: string,
  seq: number,
  floor: number,
): Promise<StoredMessage> {
  const [m] = await ctx.store.read(channel, { after: seq - 1, limit: 1 });
  if (!m || m.seq !== seq || m.seq <= floor || !isMessage(m) || m.deleted)
    throw new SwitchboardError('SB_ERR_MESSAGE_NOT_FOUND');
  return m;
}

export function checkText(ctx: CommandContext, text: string): void {
  if (text.trim().length === 0) throw new SwitchboardError('SB_ERR_MESSAGE_EMPTY');
  if (Buffer.byteLength(text, 'utf8') > ctx.limits.maxMessageBytes) {
    throw new SwitchboardError(
      'SB_ERR_MESSAGE_TOO_LARGE',
      `message text exceeds maxMessageBytes (${ctx.limits.maxMessageBytes})`,
    );
  }
}

/**
 * Subscribes the user's connections here to a DM they do not follow yet, replaying it from the
 * member's floor: a DM is replayed from its start, and only to a member (a handle reclaimed by
 * someone new does not get the previous owner's conversation). `floorSeq`: the member's floor
 * when the caller knows it (default: read from the store).
 */
export async function followDm(
  ctx: Pick<CommandContext, 'store' | 'directory'>,
  user: string,
  ch: LocalChannel,
  floorSeq?: number,
): Promise<void> {
  if (ctx.directory.follows(user, ch.id)) return;
  // `floorSeq` given: the caller knows the user is a member from there (it just added them).
  const floor = floorSeq ?? (await ctx.store.membership(ch.id, user))?.floorSeq;
  if (floor !== undefined) ctx.directory.subscribeUser(user, ch, { after: floor });
}

/**
 * followDm for a DM this node hears of from another node (a message or a head on the user's
 * topic): the member's floor is read while the channel activates, one round trip's wait on a
 * networked store instead of two. Resolves once the connections replay or nothing is to follow.
 */
export function followHeardDm(
  ctx: Pick<CommandContext, 'store' | 'directory'>,
  user: string,
  channel: string,
): Promise<void> {
  const position = ctx.store.membership(channel, user);
  // Awaited in the borrow; a failed activation is the error reported, not this one.
  position.catch(() => {});
  return ctx.directory.borrow(channel, async (dm) => {
    const floor = (await position)?.floorSeq;
    if (floor !== undefined) await followDm(ctx, user, dm, floor);
  });
}
