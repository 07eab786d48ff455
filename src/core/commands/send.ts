/**
 * The send command: store a room message or DM once per (channel, sender, cid), deliver it here
 * in order, and tell the other nodes. The sender gets the stored message in the reply, never as
 * a frame.
 */
import { SwitchboardError } from '../../errors.js';
import { HANDLE_RE, dmChannel } from '../../protocol/frames.js';
import { isMessage, type NewMessage, type StoredMessage } from '../../store/store.js';
import type { WebhookEventType } from '../event-sink.js';
import type { ClientConnection } from '../connection.js';
import type { LocalChannel } from '../local-channel.js';
import { channelTopic, userTopic } from '../envelope.js';
import { slowModeExempt } from '../permissions.js';
import { checkText, followDm, liveMessage } from './access.js';
import type { CommandContext, Frame, Handler } from './context.js';
import { authorizeRoom } from './room-access.js';

interface DmTarget {
  id: string;
  recipient: string;
  /** The recipient is a member of the conversation already. */
  member: boolean;
}

/** The DM channel with `to`, checked (the user exists and does not block the sender). */
async function dmTarget(
  ctx: CommandContext,
  conn: ClientConnection,
  to: string,
): Promise<DmTarget> {
  const user = conn.user!;
  const recipient = to.toLowerCase();
  if (!HANDLE_RE.test(recipient))
    throw new SwitchboardError('SB_ERR_USER_NOT_FOUND', `no such user: ${to}`);
  const id = dmChannel(user, recipient);
  // A member of the conversation exists; only a non-member needs the user lookup.
  const recipientPos = await ctx.store.membership(id, recipient);
  if (!recipientPos && !(await ctx.auth.exists(recipient)))
    throw new SwitchboardError('SB_ERR_USER_NOT_FOUND', `no such user: ${to}`);
  if (await ctx.store.moderation.isBlocked(recipient, user))
    throw new SwitchboardError('SB_ERR_BLOCKED');
  return { id, recipient, member: Boolean(recipientPos) };
}

/** Creates the DM channel (with both members) when new. */
async function openDm(ctx: CommandContext, conn: ClientConnection, dm: DmTarget): Promise<void> {
  const { id, recipient } = dm;
  const user = conn.user!;
  if (!conn.channels.has(id)) {
    await ctx.store.createChannel(id, 'dm', user, ctx.now());
    await ctx.store.addMember(id, user);
  }
  // Not a member: a new conversation, or the recipient's handle was reclaimed by someone new
  // since. Either way they join now, floored at the conversation so far: they get this
  // message and nothing before it.
  if (!dm.member) await ctx.store.addMember(id, recipient);
}

/**
 * A room the permission table lets the user send to (member, not muted, may post in its kind),
 * and not too soon after their last message there in slow mode.
 */
async function roomTarget(
  ctx: CommandContext,
  conn: ClientConnection,
  f: Frame<'send'>,
): Promise<string> {
  const { id, access, actor } = await authorizeRoom(ctx, conn, 'send', f.room!);
  if (access.slowMode > 0 && !slowModeExempt(actor)) {
    const last = await ctx.store.moderation.lastSentAt(id, conn.user!);
    const wait = last === null ? 0 : last + access.slowMode * 1000 - ctx.now();
    if (wait > 0) throw new SwitchboardError('SB_ERR_SLOW_MODE', undefined, { retryAfter: wait });
  }
  return id;
}

export const send: Handler<'send'> = async (ctx, conn, f) => {
  const user = conn.user!;
  if ((f.room === undefined) === (f.to === undefined))
    throw new SwitchboardError('SB_ERR_BAD_FRAME', 'give exactly one of room, to');
  checkText(ctx, f.text);
  const dm = f.to !== undefined ? await dmTarget(ctx, conn, f.to) : null;
  const id = dm ? dm.id : await roomTarget(ctx, conn, f);
  if (f.replyTo !== undefined) await checkParent(ctx, user, id, f.replyTo);
  // Asked before anything is stored: a refused first DM opens no conversation.
  const text = await beforeSend(ctx, id, user, f);
  if (dm) await openDm(ctx, conn, dm);
  return ctx.directory.borrow(id, async (ch) => {
    if (dm) {
      await followDm(ctx, user, ch);
      await followDm(ctx, dm.recipient, ch);
    }
    const entry = {
      channel: id,
      cid: f.cid,
      from: user,
      text,
      ts: ctx.now(),
      ...(f.replyTo === undefined ? {} : { replyTo: f.replyTo }),
    };
    return appendEntry(ctx, conn, ch, entry, dm?.recipient ?? null);
  });
};

/**
 * The text to store: the operator's before-send hook (when configured) may keep, rewrite or
 * refuse it, before anything is stored. A rewrite is held to the same size limit and is not
 * sent to the hook again.
 */
async function beforeSend(
  ctx: CommandContext,
  channel: string,
  from: string,
  f: Frame<'send'>,
): Promise<string> {
  if (!ctx.beforeSend) return f.text;
  const text = await ctx.beforeSend.check({
    channel,
    from,
    text: f.text,
    ...(f.replyTo === undefined ? {} : { replyTo: f.replyTo }),
  });
  if (text !== f.text) checkText(ctx, text);
  return text;
}

/** A reply's parent: a live message of the channel above the sender's floor (see liveMessage). */
async function checkParent(
  ctx: CommandContext,
  user: string,
  channel: string,
  seq: number,
): Promise<void> {
  const floor = channel.startsWith('dm:')
    ? ((await ctx.store.membership(channel, user))?.floorSeq ?? 0)
    : 0;
  await liveMessage(ctx, channel, seq, floor);
}

/**
 * Stores one entry of a channel's log (a message, or a delete event) once per (sender, cid),
 * delivers it here in order and tells the other nodes: a room's, or both people of a DM
 * (`recipient`). Runs inside the channel's borrow. Resolves the `send` reply's shape.
 */
export async function appendEntry(
  ctx: CommandContext,
  conn: ClientConnection,
  ch: LocalChannel,
  entry: NewMessage,
  recipient: string | null,
): Promise<{ message: unknown; duplicate: boolean }> {
  const user = conn.user!;
  const { message, duplicate } = await ctx.store.append(entry);
  if (!duplicate) {
    ctx.messageStored(recipient === null ? 'room' : 'dm');
    ch.deliver(message, conn);
    ctx.events.emit(webhookType(message), ch.id, { ...message });
    if (recipient === null) ctx.publish(channelTopic(ch.id), { k: 'msg', m: message });
    else {
      ctx.publish(userTopic(recipient), { k: 'msg', m: message });
      if (recipient !== user) ctx.publish(userTopic(user), { k: 'msg', m: message });
    }
    // Sending a message reads the channel up to it; an edit or a reaction may be on an old
    // message, with unread ones after it.
    if (isMessage(message)) ctx.store.setReadSeq(ch.id, user, message.seq).catch(() => {});
  }
  return { message: { type: 'message', ...message }, duplicate };
}

/** The webhook event type of a stored log entry. */
function webhookType(m: StoredMessage): WebhookEventType {
  if (m.deletes !== undefined) return 'message.deleted';
  if (m.edits !== undefined) return 'message.edited';
  if (m.reacts !== undefined) return 'reaction.added';
  if (m.unreacts !== undefined) return 'reaction.removed';
  return 'message.created';
}
