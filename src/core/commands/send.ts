/**
 * The send command: store a room message or DM once per (channel, sender, cid), deliver it here
 * in order, and tell the other nodes. The sender gets the stored message in the reply, never as
 * a frame.
 */
import { SwitchboardError } from '../../errors.js';
import { HANDLE_RE, dmChannel } from '../../protocol/frames.js';
import type { Attachment, StoredMessage } from '../../store/store.js';
import type { ClientConnection } from '../connection.js';
import { slowModeExempt } from '../permissions.js';
import { checkText, followDm, liveMessage } from './access.js';
import { appendEntry } from './append-entry.js';
import type { CommandContext, Frame, Handler } from './context.js';
import { previewLater } from './link-previews.js';
import { notifyMentions, resolveMentions, type Mentions } from './mentions.js';
import { authorizeRoom, type RoomGrant } from './room-access.js';
import { threadPosted, threadRoot } from './threads.js';

interface DmTarget {
  id: string;
  recipient: string;
  /** The recipient is a member of the conversation already (assumed until the append checks). */
  member: boolean;
  /**
   * No conversation is stored yet: the message opens it, with both members, in its own write
   * (AppendOptions.open).
   */
  fresh: boolean;
  /**
   * The recipient's membership and block were read here; false: the append checks them in its
   * own write (AppendOptions.recipient).
   */
  checked: boolean;
}

/**
 * The DM channel with `to`, checked (the user exists and does not block the sender). A
 * conversation the sender follows here is open: unless `ask`, its checks are left to the append
 * (AppendOptions.recipient), one round trip to the store per DM instead of two. Not while a
 * before-send hook is configured, which is asked only about messages that pass them.
 */
async function dmTarget(
  ctx: CommandContext,
  conn: ClientConnection,
  to: string,
  ask = false,
): Promise<DmTarget> {
  const user = conn.user!;
  const recipient = to.toLowerCase();
  if (!HANDLE_RE.test(recipient))
    throw new SwitchboardError('SB_ERR_USER_NOT_FOUND', `no such user: ${to}`);
  const id = dmChannel(user, recipient);
  const following = conn.channels.has(id);
  if (following && !ask && !ctx.beforeSend)
    return { id, recipient, member: true, fresh: false, checked: false };
  // All asked at once (one round trip's wait on a networked store), the recipient's membership
  // and block in one statement. A sender who does not follow the conversation is most often
  // opening it, when the recipient is no member yet: whether they exist is asked in the same wait.
  const [{ position: recipientPos, blocked }, head, exists] = await Promise.all([
    ctx.store.dmRecipient(id, recipient, user),
    following ? null : ctx.store.head(id),
    following ? null : ctx.auth.exists(recipient),
  ]);
  // A member of the conversation exists; only a non-member needs the user lookup.
  if (!recipientPos && !(exists ?? (await ctx.auth.exists(recipient))))
    throw new SwitchboardError('SB_ERR_USER_NOT_FOUND', `no such user: ${to}`);
  if (blocked) throw new SwitchboardError('SB_ERR_BLOCKED');
  return {
    id,
    recipient,
    member: Boolean(recipientPos),
    fresh: !following && head === null,
    checked: true,
  };
}

/**
 * Adds the members an existing DM channel lacks (a reclaimed handle), as a write of its own
 * before the message's; resolves whether the channel was new after all (both members' floor is
 * then 0). A fresh conversation skips this: its message opens it.
 */
async function openDm(ctx: CommandContext, conn: ClientConnection, dm: DmTarget): Promise<boolean> {
  const { id, recipient } = dm;
  const user = conn.user!;
  // Not a member: a new conversation, or the recipient's handle was reclaimed by someone new
  // since. Either way they join now, floored at the conversation so far: they get this
  // message and nothing before it.
  if (!conn.channels.has(id))
    return ctx.store.createChannel(
      id,
      'dm',
      user,
      ctx.now(),
      dm.member ? [user] : [user, recipient],
    );
  if (!dm.member) await ctx.store.addMember(id, recipient);
  return false;
}

/**
 * A room the permission table lets the user send to (member, not muted, may post in its kind),
 * and not too soon after their last message there in slow mode.
 */
async function roomTarget(
  ctx: CommandContext,
  conn: ClientConnection,
  f: Frame<'send'>,
): Promise<RoomGrant> {
  const command = f.thread === undefined ? 'send' : 'thread';
  const grant = await authorizeRoom(ctx, conn, command, f.room!);
  const { id, access, actor } = grant;
  if (access.slowMode > 0 && !slowModeExempt(actor)) {
    const last = await ctx.store.moderation.lastSentAt(id, conn.user!);
    const wait = last === null ? 0 : last + access.slowMode * 1000 - ctx.now();
    if (wait > 0) throw new SwitchboardError('SB_ERR_SLOW_MODE', undefined, { retryAfter: wait });
  }
  return grant;
}

export const send: Handler<'send'> = async (ctx, conn, f) => {
  const user = conn.user!;
  if ((f.room === undefined) === (f.to === undefined))
    throw new SwitchboardError('SB_ERR_BAD_FRAME', 'give exactly one of room, to');
  if (f.alsoToRoom === true && f.thread === undefined)
    throw new SwitchboardError('SB_ERR_BAD_FRAME', 'alsoToRoom needs thread');
  // A message of files only may have no text.
  if (f.attachments === undefined || f.text !== '') checkText(ctx, f.text);
  const dm = f.to !== undefined ? await dmTarget(ctx, conn, f.to) : null;
  const grant = dm ? null : await roomTarget(ctx, conn, f);
  const id = dm ? dm.id : grant!.id;
  const content = await checkContent(ctx, user, id, f, grant).catch((err: unknown) =>
    conversationFirst(ctx, conn, dm, f.to, err),
  );
  const reply = await storeSend(ctx, conn, content, dm, id).catch(async (err: unknown) => {
    // Left to the append, the recipient was no member after all (a handle reclaimed by someone
    // new): asked here and added, as for a conversation not followed.
    const notMember = err instanceof SwitchboardError && err.code === 'SB_ERR_NOT_A_MEMBER';
    if (!dm || dm.checked || !notMember) return conversationFirst(ctx, conn, dm, f.to, err);
    return storeSend(ctx, conn, content, await dmTarget(ctx, conn, f.to!, true), id);
  });
  if (!reply.duplicate) {
    notifyMentions(ctx, reply.message, reply.message.seq);
    const stored: StoredMessage = reply.message;
    if (stored.thread !== undefined) await threadPosted(ctx, stored);
  }
  return reply;
};

/**
 * The checked content of send `f` to channel `id`: its reply or thread (see checkConversation),
 * its text after the before-send hook, its mentions resolved.
 */
async function checkContent(
  ctx: CommandContext,
  user: string,
  id: string,
  f: Frame<'send'>,
  grant: RoomGrant | null,
): Promise<{ f: Frame<'send'>; text: string; mentions: Mentions }> {
  await checkConversation(ctx, user, id, f);
  // Asked before anything is stored: a refused first DM opens no conversation.
  const text = await beforeSend(ctx, id, user, f);
  const mentions = await resolveMentions(ctx, user, id, text, grant);
  return { f, text, mentions };
}

/**
 * Rethrows `err`, a send's refusal. When it refuses a DM whose checks were left to the append
 * (a reply to a missing message, a file not the sender's), those checks are asked first: the
 * conversation's refusal (SB_ERR_BLOCKED, SB_ERR_USER_NOT_FOUND) answers before the message's,
 * as it does when they ran before the rest, whether or not the sender follows the conversation.
 */
async function conversationFirst(
  ctx: CommandContext,
  conn: ClientConnection,
  dm: DmTarget | null,
  to: string | undefined,
  err: unknown,
): Promise<never> {
  const refusal = err instanceof SwitchboardError && err.code !== 'SB_ERR_BLOCKED';
  // A DM target exists only for a send with `to`.
  if (dm && !dm.checked && refusal) await dmTarget(ctx, conn, to!, true);
  throw err;
}

/**
 * Stores the checked send `f` (its text and mentions resolved) in channel `id` (`dm`'s, when a
 * DM), opening the DM first when needed, and delivers it: appendEntry inside the channel's borrow.
 */
async function storeSend(
  ctx: CommandContext,
  conn: ClientConnection,
  { f, text, mentions }: { f: Frame<'send'>; text: string; mentions: Mentions },
  dm: DmTarget | null,
  id: string,
): Promise<Awaited<ReturnType<typeof appendEntry>>> {
  const user = conn.user!;
  const created = dm && !dm.fresh ? await openDm(ctx, conn, dm) : false;
  const open = dm?.fresh ? { kind: 'dm' as const, members: [user, dm.recipient] } : undefined;
  const recipient = dm && !dm.checked ? dm.recipient : undefined;
  return ctx.directory
    .borrow(id, async (ch) => {
      if (dm) {
        // A fresh conversation's members start at 0, followed before the append so that its
        // first message reaches their connections here in order.
        const floor = created || dm.fresh ? 0 : undefined;
        await followDm(ctx, user, ch, floor);
        await followDm(ctx, dm.recipient, ch, floor);
      }
      const files = f.attachments ?? [];
      const attachments = files.length > 0 ? await claim(ctx, files, user, id, f.cid) : undefined;
      const entry = {
        channel: id,
        cid: f.cid,
        from: user,
        text,
        ts: ctx.now(),
        ...(f.replyTo === undefined ? {} : { replyTo: f.replyTo }),
        ...(f.thread === undefined ? {} : { thread: f.thread }),
        ...(f.thread !== undefined && f.alsoToRoom === true ? { alsoToRoom: true as const } : {}),
        ...mentions,
        ...(attachments === undefined ? {} : { attachments }),
      };
      try {
        const reply = await appendEntry(ctx, conn, ch, entry, dm?.recipient ?? null, {
          ...(open === undefined ? {} : { open }),
          ...(recipient === undefined ? {} : { recipient }),
        });
        if (!reply.duplicate) previewLater(ctx, reply.message, dm?.recipient ?? null);
        return reply;
      } catch (err) {
        if (files.length > 0) await ctx.store.uploads.releaseUploads(files, f.cid).catch(() => {});
        throw err;
      }
    })
    .catch((err: unknown) => {
      // Nothing of a fresh conversation was stored: nobody here follows it either, so a retry
      // opens it again.
      if (open) for (const u of open.members) ctx.directory.unsubscribeUser(u, id);
      throw err;
    });
}

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

/**
 * Claims the sender's uploads `ids` to this channel for message `cid` (a retried send claims
 * them again), as the message's attachments; SB_ERR_ATTACHMENT_INVALID for any other id.
 */
async function claim(
  ctx: CommandContext,
  ids: string[],
  user: string,
  channel: string,
  cid: string,
): Promise<Attachment[]> {
  const records = await ctx.store.uploads.claimUploads(ids, user, channel, cid);
  if (!records) throw new SwitchboardError('SB_ERR_ATTACHMENT_INVALID');
  return records.map((u) => ({
    id: u.id,
    name: u.name,
    type: u.type,
    size: u.size,
    ...(u.width === undefined ? {} : { width: u.width, height: u.height! }),
    ...(u.thumb === undefined ? {} : { thumb: true as const }),
  }));
}

/**
 * A thread's root (see threadRoot) and a reply's parent, a live message of the channel above
 * the sender's floor (see liveMessage) in the same conversation: with `thread`, the root or a
 * message of that thread; without, a message of the main timeline.
 */
async function checkConversation(
  ctx: CommandContext,
  user: string,
  channel: string,
  f: Frame<'send'>,
): Promise<void> {
  if (f.replyTo === undefined && f.thread === undefined) return;
  const floor = channel.startsWith('dm:')
    ? ((await ctx.store.membership(channel, user))?.floorSeq ?? 0)
    : 0;
  if (f.thread !== undefined) await threadRoot(ctx, channel, f.thread, floor);
  if (f.replyTo === undefined) return;
  const parent = await liveMessage(ctx, channel, f.replyTo, floor);
  const inConversation =
    f.thread === undefined
      ? parent.thread === undefined || parent.alsoToRoom === true
      : parent.seq === f.thread || parent.thread === f.thread;
  if (!inConversation)
    throw new SwitchboardError('SB_ERR_MESSAGE_NOT_FOUND', 'the reply is to another conversation');
}
