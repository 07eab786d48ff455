/**
 * The delete command: a delete event appended to the channel's log (a message entry with
 * `deletes`), so delivery, resume and repair carry it like any message, and the store erases the
 * message's text, edits, reactions and attachments with it (a tombstone in history); the files'
 * blobs are erased right after. Deleting your
 * own message needs what reading the channel needs; anyone else's, in a room, is a moderation
 * act (the `delete` row of the permission table) and goes in the audit log.
 */
import { SwitchboardError } from '../../errors.js';
import { authorize, roomState } from '../permissions.js';
import type { Handler } from './context.js';
import { targetMessage } from './message-events.js';
import { appendEntry } from './append-entry.js';

export const deleteMessage: Handler<'delete'> = async (ctx, conn, f) => {
  const user = conn.user!;
  const {
    message: m,
    grant,
    recipient,
  } = await targetMessage(ctx, conn, f.channel, f.seq, 'history');
  if (m.from !== user) {
    if (!grant) throw new SwitchboardError('SB_ERR_FORBIDDEN', 'only your own messages');
    const code = authorize('delete', grant.access.kind, grant.actor, roomState(grant.access));
    if (code !== null) throw new SwitchboardError(code);
  } else if (grant?.access.archived) throw new SwitchboardError('SB_ERR_ROOM_ARCHIVED');
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
  if (!reply.duplicate && m.attachments) await ctx.eraseUploads(m.attachments.map((a) => a.id));
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
