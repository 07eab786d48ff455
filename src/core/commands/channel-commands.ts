/**
 * Commands on one channel the user can read: history, typing, read position, resume.
 */
import { SwitchboardError } from '../../errors.js';
import { dmPeer, parseChannel } from '../../protocol/frames.js';
import { channelState, countUnread } from '../channel-state.js';
import { channelTopic, userTopic } from '../envelope.js';
import { NO_REPLY, encodeReply } from '../wire.js';
import { readableChannel } from './access.js';
import type { Handler } from './context.js';
import { authorizeRoom } from './room-access.js';
import { readThread, threadRoot } from './threads.js';
import type { StoredMessage } from '../../store/store.js';

export const history: Handler<'history'> = async (ctx, conn, f) => {
  if (f.before !== undefined && f.after !== undefined)
    throw new SwitchboardError('SB_ERR_BAD_FRAME', 'give at most one of before, after');
  const { id, floor } = await readableChannel(ctx, conn, f.channel, 'history');
  const limit = f.limit ?? 50;
  // Nothing at or below the member's floor: `after` starts there at the earliest, and a page
  // back that reaches it ends there (hasMore false).
  // Messages in their current state, no events: the log of changes is resume's.
  // The main timeline leaves out thread messages not sent alsoToRoom; a thread has its own.
  const root = f.thread === undefined ? null : await threadRoot(ctx, id, f.thread, floor, false);
  const view =
    f.thread === undefined ? { mainTimeline: true } : { thread: f.thread, messagesOnly: true };
  const query =
    f.after !== undefined
      ? { after: Math.max(f.after, floor), limit: limit + 1, ...view }
      : { before: f.before, limit: limit + 1, ...view };
  const [read, head] = await Promise.all([ctx.store.read(id, query), ctx.store.head(id)]);
  const rows = floor > 0 ? read.filter((m) => m.seq > floor) : read;
  const hasMore = rows.length > limit;
  const page = hasMore ? (f.after !== undefined ? rows.slice(0, limit) : rows.slice(1)) : rows;
  const shown = root ? [root, ...page] : page;
  const [reactions, threads] = await Promise.all([
    ctx.store.reactions(
      id,
      shown.filter((m) => !m.deleted).map((m) => m.seq),
      conn.user!,
    ),
    ctx.store.threads.summaries(
      id,
      shown.filter((m) => m.thread === undefined).map((m) => m.seq),
    ),
  ]);
  const withState = (m: StoredMessage) => {
    const r = reactions.get(m.seq);
    const t = threads.get(m.seq);
    return {
      type: 'message',
      ...m,
      ...(r ? { reactions: r } : {}),
      ...(t ? { replies: t.replies, lastReply: t.lastReply } : {}),
    };
  };
  return {
    channel: id,
    ...(root ? { root: withState(root) } : {}),
    messages: page.map(withState),
    firstSeq: Math.max(head?.firstSeq ?? 1, floor + 1),
    lastSeq: head?.lastSeq ?? 0,
    hasMore,
  };
};

export const typing: Handler<'typing'> = async (ctx, conn, f) => {
  const user = conn.user!;
  if (!conn.channels.has(f.channel)) throw new SwitchboardError('SB_ERR_CHANNEL_INVALID');
  const parsed = parseChannel(f.channel);
  // A mute, or an announcement room where the user may not post, stops typing too.
  if (parsed?.kind === 'room') await authorizeRoom(ctx, conn, 'typing', parsed.room);
  ctx.directory.channels
    .get(f.channel)
    ?.event(JSON.stringify({ type: 'typing', channel: f.channel, user }), conn);
  if (parsed?.kind === 'dm') {
    const other = dmPeer(parsed.users, user);
    ctx.publish(userTopic(other), { k: 'typing', c: f.channel, u: user });
  } else {
    ctx.publish(channelTopic(f.channel), { k: 'typing', c: f.channel, u: user });
  }
  return {};
};

/**
 * Moves the user's read position; every device hears the new unread and mention counts. A move
 * is a read receipt for the channel's members when the user shares receipts.
 */
export const read: Handler<'read'> = async (ctx, conn, f) => {
  const user = conn.user!;
  const { id, floor } = await readableChannel(ctx, conn, f.channel, 'read');
  if (f.thread !== undefined) return readThread(ctx, conn, id, f.thread, f.seq);
  const was = conn.receipts ? ((await ctx.store.membership(id, user))?.readSeq ?? 0) : 0;
  const seq = await ctx.store.setReadSeq(id, user, f.seq);
  if (conn.receipts && seq > was) ctx.receipt(id, user, seq);
  const state = await countUnread(
    ctx.store,
    await ctx.directory.borrow(id, (ch) => channelState(ch, user, seq, floor)),
    user,
  );
  const { readSeq, unread, mentions } = state;
  ctx.directory.pushToUser(
    user,
    JSON.stringify({ type: 'read', channel: id, seq: readSeq, unread, mentions }),
    conn,
  );
  ctx.publish(userTopic(user), { k: 'read', c: id, s: readSeq, n: unread, m: mentions });
  return state;
};

/**
 * Replays one channel from a position, then live: after a replay that failed, or for a channel
 * that appeared while the client was away. The reply ({channel, seq, truncated, firstSeq}, as in
 * `synced`) comes after the replayed messages and before any live one.
 */
export const resume: Handler<'resume'> = async (ctx, conn, f) => {
  const { id, floor } = await readableChannel(ctx, conn, f.channel, 'resume');
  let answered = false;
  await ctx.directory.borrow(id, (ch) => {
    // One replay per channel and connection: a second would leave the first unanswered.
    if (ch.replaying(conn)) throw new SwitchboardError('SB_ERR_REPLAY_IN_PROGRESS');
    return ch.catchUp(conn, Math.max(f.after, floor), (r) => {
      answered = true;
      return encodeReply(f.id, { ...r, firstSeq: Math.max(r.firstSeq, floor + 1) });
    });
  });
  // The replay stopped before its end: the user left the room meanwhile (on another device).
  if (!answered && !conn.closed)
    throw new SwitchboardError('SB_ERR_NOT_A_MEMBER', `left ${f.channel} during its replay`);
  return NO_REPLY;
};
