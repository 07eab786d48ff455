/**
 * Threads for apps built on the SDK: follow, unfollow, list followed threads and mark one
 * read, each one frame through `client.command()`. Posting in a thread is `send(target, text,
 * {thread, alsoToRoom})`, reading one `history(channel, {thread})`; a followed thread's news
 * arrives as the client's 'thread' event. Exported from `switchboard/client/messages`.
 */
import type { ThreadInfo } from '../protocol/frames.js';
import type { SwitchboardClient } from './client.js';

export type { ThreadInfo };

type Client = Pick<SwitchboardClient, 'command'>;

/** Follows the thread under `root` of `channel` (unread from now on). */
export function followThread(client: Client, channel: string, root: number): Promise<ThreadInfo> {
  return client.command<ThreadInfo>({ type: 'follow', channel, thread: root });
}

/** Stops following it (posting in it again follows it again). */
export async function unfollowThread(client: Client, channel: string, root: number): Promise<void> {
  await client.command({ type: 'unfollow', channel, thread: root });
}

/** The threads I follow (of one channel when given), with unread counts, by channel and root. */
export async function followedThreads(client: Client, channel?: string): Promise<ThreadInfo[]> {
  const frame = { type: 'threads' as const, ...(channel === undefined ? {} : { channel }) };
  return (await client.command<{ threads: ThreadInfo[] }>(frame)).threads;
}

/**
 * Marks a followed thread read up to `seq`, for all my devices (SB_ERR_THREAD_NOT_FOLLOWED
 * when I do not follow it).
 */
export function markThreadRead(
  client: Client,
  channel: string,
  root: number,
  seq: number,
): Promise<ThreadInfo> {
  return client.command<ThreadInfo>({ type: 'read', channel, seq, thread: root });
}
