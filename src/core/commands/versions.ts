/**
 * The versions command: every text a room message has had (the original, then each edit), for
 * the room's moderators, admins and owner and for server admins (the `versions` row of the
 * permission table). Its author is not among them: an author sees what everyone sees, so an
 * edit can still take back a word for readers while moderators keep what was said. A DM has no
 * moderators: refused with SB_ERR_FORBIDDEN for everyone.
 */
import { SwitchboardError } from '../../errors.js';
import { parseChannel } from '../../protocol/frames.js';
import type { Handler } from './context.js';
import { targetMessage } from './message-events.js';

export const versions: Handler<'versions'> = async (ctx, conn, f) => {
  if (parseChannel(f.channel)?.kind !== 'room')
    throw new SwitchboardError('SB_ERR_FORBIDDEN', 'versions are for room moderators');
  await targetMessage(ctx, conn, f.channel, f.seq, 'versions');
  const all = await ctx.store.versions(f.channel, f.seq);
  // A delete between the check and the read erased them: as if it came first.
  if (all.length === 0) throw new SwitchboardError('SB_ERR_MESSAGE_NOT_FOUND');
  return { versions: all };
};
