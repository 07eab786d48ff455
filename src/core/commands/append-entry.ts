/**
 * Appending one entry to a channel's log on behalf of a command (or of the server itself, for a
 * link preview): store, deliver here in order, tell the other nodes.
 */
import {
  isMessage,
  type AppendOptions,
  type NewMessage,
  type StoredMessage,
} from '../../store/store.js';
import type { ClientConnection } from '../connection.js';
import type { WebhookEventType } from '../event-sink.js';
import { channelTopic, userTopic } from '../envelope.js';
import type { LocalChannel } from '../local-channel.js';
import type { CommandContext } from './context.js';

/**
 * Stores one entry of a channel's log (a message, or a delete event) once per (sender, cid),
 * delivers it here in order and tells the other nodes: a room's, or both people of a DM
 * (`recipient`). Runs inside the channel's borrow. Resolves the `send` reply's shape. `conn`
 * is the client that asked (it gets the reply, not a frame); null for the server's own entries
 * (a link preview), which every connection gets. `options`: the entry opens its channel in the
 * same write (AppendOptions.open, a first DM), or the append checks the DM's recipient
 * (AppendOptions.recipient).
 */
export async function appendEntry(
  ctx: CommandContext,
  conn: ClientConnection | null,
  ch: LocalChannel,
  entry: NewMessage,
  recipient: string | null,
  options: Pick<AppendOptions, 'open' | 'recipient'> = {},
): Promise<{ message: StoredMessage & { type: 'message' }; duplicate: boolean }> {
  const user = entry.from;
  // Sending a message reads the channel up to it, in the append's own write; an edit or a
  // reaction may be on an old message, with unread ones after it, and a thread message may be
  // posted from the thread panel with the main timeline unread. With receipts shared, a read
  // is a receipt too.
  const markRead = isMessage(entry) && (entry.thread === undefined || entry.alsoToRoom === true);
  const { message, duplicate, readSeq } = await ctx.store.append(entry, { markRead, ...options });
  if (!duplicate) {
    const news = readReceiptNews(ch, user, message.seq);
    ctx.messageStored(recipient === null ? 'room' : 'dm');
    ch.deliver(message, conn);
    ctx.events.emit(webhookType(message), ch.id, { ...message });
    if (recipient === null) ctx.publish(channelTopic(ch.id), { k: 'msg', m: message });
    else {
      ctx.publish(userTopic(recipient), { k: 'msg', m: message });
      if (recipient !== user) ctx.publish(userTopic(user), { k: 'msg', m: message });
    }
    if (readSeq !== undefined && conn?.receipts) {
      if (news) ctx.receipt(ch.id, user, readSeq);
      ch.ownRead = readSeq === message.seq ? { seq: message.seq, user } : null;
    }
    // Stored here, so notified from here: once per cluster (ctx.pushNotify).
    if (isMessage(message) && recipient !== null && recipient !== user)
      ctx.pushNotify(recipient, message, 'dm');
  }
  return { message: { type: 'message', ...message }, duplicate };
}

/**
 * Whether `user`'s read moving up to their new message `seq` tells the channel's other members
 * anything: not when the entry before it is `user`'s own message whose receipt this node told
 * (or left out by this same rule), so that everything the move passes over is `user`'s own. A
 * run of messages from one sender then sends one receipt, for its first. Unsure (the entry
 * before not delivered here yet, or stored on another node): told.
 */
function readReceiptNews(ch: LocalChannel, user: string, seq: number): boolean {
  const before = ch.ownRead;
  return !(ch.lastSeq === seq - 1 && before?.seq === seq - 1 && before.user === user);
}

/** The webhook event a stored log entry is (docs/webhooks.md). */
function webhookType(m: StoredMessage): WebhookEventType {
  if (m.deletes !== undefined) return 'message.deleted';
  if (m.edits !== undefined) return 'message.edited';
  if (m.reacts !== undefined) return 'reaction.added';
  if (m.unreacts !== undefined) return 'reaction.removed';
  return 'message.created';
}
