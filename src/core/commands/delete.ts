/**
 * The delete command: a delete event appended to the channel's log (a message entry with
 * `deletes`), so delivery, history, resume and repair carry it like any message. Deleting your
 * own message needs what reading the channel needs; anyone else's, in a room, is a moderation
 * act (the `delete` row of the permission table) and goes in the audit log.
 */
import { SwitchboardError } from '../../errors.js';
import { parseChannel } from '../../protocol/frames.js';
import { authorize } from '../permissions.js';
import { readableChannel } from './access.js';
import type { Handler } from './context.js';
import { authorizeRoom, type RoomGrant } from './room-access.js';
import { appendEntry } from './send.js';

export const deleteMessage: Handler<'delete'> = async (ctx, conn, f) => {
  const user = conn.user!;
  const parsed = parseChannel(f.channel);
  let grant: RoomGrant | null = null;
  let floor = 0;
  if (parsed?.kind === 'room') grant = await authorizeRoom(ctx, conn, 'history', parsed.room);
  else floor = (await readableChannel(ctx, conn, f.channel, 'history')).floor;
  const [m] = await ctx.store.read(f.channel, { after: f.seq - 1, limit: 1 });
  if (!m || m.seq !== f.seq || m.seq <= floor || m.deletes !== undefined)
    throw new SwitchboardError('SB_ERR_MESSAGE_NOT_FOUND');
  if (m.from !== user) {
    if (!grant) throw new SwitchboardError('SB_ERR_FORBIDDEN', 'only your own messages');
    const code = authorize('delete', grant.access.kind, grant.actor);
    if (code !== null) throw new SwitchboardError(code);
  }
  const recipient = parsed?.kind === 'dm' ? (parsed.users.find((u) => u !== user) ?? user) : null;
  const reply = await ctx.directory.borrow(f.channel, (ch) =>
    appendEntry(
      ctx,
      conn,
      ch,
      {
        channel: f.channel,
        cid: `delete:${f.seq}`,
        from: user,
        text: '',
        ts: ctx.now(),
        deletes: f.seq,
      },
      recipient,
    ),
  );
  if (m.from !== user && !reply.duplicate)
    await ctx.store.moderation.appendAudit({
      scope: f.channel,
      ts: ctx.now(),
      actor: user,
      action: 'delete',
      target: m.from,
      detail: JSON.stringify({ channel: f.channel, seq: f.seq }),
    });
  return reply;
};
