/**
 * Read receipts ("seen by") and the user's settings. A receipt is a member's read position
 * (`read`), shown to the channel's other members:
 * - in DMs and in rooms of at most --receipts-max-members members (larger rooms:
 *   SB_ERR_RECEIPTS_UNAVAILABLE, and no live `receipt` frames);
 * - only for members who share receipts (`settings {receipts}`, default on); a user who turned
 *   them off shows no position and sees no one's (`receipts` answers `off: true`, and no
 *   `receipt` frame reaches them).
 * Receipts are state, not log entries: a client gets the current positions with `receipts`
 * after a (re)connect, and the changes live from then on.
 */
import { SwitchboardError } from '../../errors.js';
import { parseChannel, type ReceiptsResult, type UserSettings } from '../../protocol/frames.js';
import { userTopic } from '../envelope.js';
import { readableChannel } from './access.js';
import type { Handler } from './context.js';

export const receipts: Handler<'receipts'> = async (ctx, conn, f) => {
  const user = conn.user!;
  const { id, floor } = await readableChannel(ctx, conn, f.channel, 'history');
  const positions = await ctx.store.readPositions(id);
  if (parseChannel(id)?.kind === 'room' && positions.length > ctx.limits.receiptsMaxMembers)
    throw new SwitchboardError('SB_ERR_RECEIPTS_UNAVAILABLE');
  if (!conn.receipts) return { channel: id, receipts: [], off: true } satisfies ReceiptsResult;
  const result: ReceiptsResult = {
    channel: id,
    // A DM position below my floor is of a conversation I was not in: shown as the floor.
    receipts: positions
      .filter((p) => p.user !== user && p.receipts)
      .map((p) => ({ user: p.user, seq: Math.max(p.readSeq, floor) })),
  };
  return result;
};

export const settings: Handler<'settings'> = async (ctx, conn, f) => {
  const user = conn.user!;
  if (f.receipts !== undefined && f.receipts !== conn.receipts) {
    await ctx.store.setReceiptsEnabled(user, f.receipts);
    for (const c of ctx.directory.connectionsOf(user)) c.receipts = f.receipts;
    ctx.directory.pushToUser(
      user,
      JSON.stringify({ type: 'settings', receipts: f.receipts }),
      conn,
    );
    ctx.publish(userTopic(user), { k: 'settings', r: f.receipts });
  }
  return { receipts: conn.receipts } satisfies UserSettings;
};
