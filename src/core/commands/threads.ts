/**
 * Threads: a conversation under a top-level message (its root), kept on the channel's log like
 * every message (`thread` set). Who follows a thread, where each follower has read it to and its
 * counts live in the store's thread seam; this file checks roots, follows posters, tells
 * followers' devices and answers follow, unfollow, threads and `read` with `thread`.
 */
import { SwitchboardError } from '../../errors.js';
import type { ThreadInfo } from '../../protocol/frames.js';
import type { StoredMessage } from '../../store/store.js';
import { UNREAD_CAP } from '../channel-state.js';
import { userTopic } from '../envelope.js';
import type { ClientConnection } from '../connection.js';
import { liveMessage, readableChannel } from './access.js';
import type { CommandContext, Handler } from './context.js';

/**
 * The root of a thread: a message of the channel above `floor` that is not itself in a thread
 * and not an event; `live` (to post or follow): not deleted either. SB_ERR_MESSAGE_NOT_FOUND
 * otherwise.
 */
export async function threadRoot(
  ctx: Pick<CommandContext, 'store'>,
  channel: string,
  root: number,
  floor: number,
  live = true,
): Promise<StoredMessage> {
  const [m] = live
    ? [await liveMessage(ctx, channel, root, floor)]
    : await ctx.store.read(channel, { after: root - 1, limit: 1, messagesOnly: true });
  if (!m || m.seq !== root || m.seq <= floor || m.thread !== undefined)
    throw new SwitchboardError('SB_ERR_MESSAGE_NOT_FOUND', 'no such thread root');
  return m;
}

/** A followed thread as its follower sees it. */
async function threadInfo(
  ctx: Pick<CommandContext, 'store'>,
  channel: string,
  root: number,
  readSeq: number,
): Promise<ThreadInfo> {
  const [summaries, unread] = await Promise.all([
    ctx.store.threads.summaries(channel, [root]),
    ctx.store.threads.countAfter(channel, root, readSeq, UNREAD_CAP),
  ]);
  const s = summaries.get(root);
  return {
    channel,
    root,
    readSeq,
    unread,
    replies: s?.replies ?? 0,
    ...(s ? { lastReply: s.lastReply, lastSeq: s.lastSeq } : {}),
  };
}

/**
 * After a thread message was stored: the root's author follows the thread from its first
 * message (once: an unfollow holds), the sender follows it read up to their message (again,
 * if they had unfollowed), and every follower's devices on every node get a `thread` frame with
 * their unread count (members of the channel only).
 */
export async function threadPosted(ctx: CommandContext, m: StoredMessage): Promise<void> {
  const root = m.thread!;
  const { threads } = ctx.store;
  if ((await threads.countAfter(m.channel, root, 0, 2)) === 1) {
    const [r] = await ctx.store.read(m.channel, { after: root - 1, limit: 1 });
    if (r && r.seq === root && r.from !== m.from)
      await threads.follow(m.channel, root, r.from, root);
  }
  await threads.follow(m.channel, root, m.from, m.seq);
  await threads.setRead(m.channel, root, m.from, m.seq);
  // Only followers who may still read the channel: one who left (or was removed) hears no more.
  const [followers, members] = await Promise.all([
    threads.followers(m.channel, root),
    ctx.store.members(m.channel),
  ]);
  const readers = new Set(members);
  await Promise.all(
    followers
      .filter(({ user }) => readers.has(user))
      .map(async ({ user, readSeq }) => {
        const unread =
          readSeq >= m.seq ? 0 : await threads.countAfter(m.channel, root, readSeq, UNREAD_CAP);
        const frame = {
          type: 'thread',
          channel: m.channel,
          root,
          seq: m.seq,
          from: m.from,
          ts: m.ts,
          unread,
        };
        ctx.notifyUser(user, JSON.stringify(frame));
        // One push per user and message: a follower it mentions was pushed the mention.
        if (!m.mentions?.includes(user)) ctx.pushNotify(user, m, 'thread');
      }),
  );
}

export const follow: Handler<'follow'> = async (ctx, conn, f) => {
  const { id, floor } = await readableChannel(ctx, conn, f.channel, 'follow');
  await threadRoot(ctx, id, f.thread, floor);
  const head = await ctx.store.head(id);
  await ctx.store.threads.follow(id, f.thread, conn.user!, head?.lastSeq ?? f.thread);
  const pos = (await ctx.store.threads.followed(conn.user!, id)).find((t) => t.root === f.thread);
  return threadInfo(ctx, id, f.thread, pos?.readSeq ?? f.thread);
};

/** Removes only the user's own follow, so it needs no more than a well-formed channel. */
export const unfollow: Handler<'unfollow'> = async (ctx, conn, f) => {
  await ctx.store.threads.unfollow(f.channel, f.thread, conn.user!);
  return {};
};

/** The threads the user follows in the channels they can read now (member of). */
export const threads: Handler<'threads'> = async (ctx, conn, f) => {
  const user = conn.user!;
  const [follows, memberships] = await Promise.all([
    ctx.store.threads.followed(user, f.channel),
    ctx.store.memberships(user),
  ]);
  const floors = new Map(memberships.map((m) => [m.channel, m.floorSeq]));
  const readable = follows.filter((t) => t.root > (floors.get(t.channel) ?? Infinity));
  return {
    threads: await Promise.all(readable.map((t) => threadInfo(ctx, t.channel, t.root, t.readSeq))),
  };
};

/** `read` with `thread`: moves the user's position in a followed thread, on every device. */
export async function readThread(
  ctx: CommandContext,
  conn: ClientConnection,
  channel: string,
  root: number,
  seq: number,
): Promise<ThreadInfo> {
  const user = conn.user!;
  const readSeq = await ctx.store.threads.setRead(channel, root, user, seq);
  if (readSeq === null) throw new SwitchboardError('SB_ERR_THREAD_NOT_FOLLOWED');
  const info = await threadInfo(ctx, channel, root, readSeq);
  ctx.directory.pushToUser(
    user,
    JSON.stringify({ type: 'read', channel, seq: readSeq, unread: info.unread, thread: root }),
    conn,
  );
  ctx.publish(userTopic(user), { k: 'read', c: channel, s: readSeq, n: info.unread, t: root });
  return info;
}
