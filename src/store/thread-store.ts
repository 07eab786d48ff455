/**
 * The thread seam: who follows which thread, where each follower has read to, and the counts a
 * thread's root and a follower's badge show. Thread messages themselves are ordinary messages
 * of the channel's log with `thread` set (./message-store.ts); a thread is named by its channel
 * and its root's seq.
 *
 * Guarantees every implementation gives (checked by test/store/cases/threads.ts):
 * - Following is idempotent: a second follow keeps the first read position.
 * - A thread read position only moves forward and never past the channel's lastSeq.
 * - Counts cover live thread messages only: a deleted one counts no more.
 * - ChannelStore.forgetUser forgets the user's follows too.
 * - Backend failures reject with a SwitchboardError (SB_ERR_STORE_UNAVAILABLE) whose `cause` is
 *   the driver error.
 */

export interface ThreadFollow {
  channel: string;
  /** The root's seq. */
  root: number;
  /** The follower has read the thread up to this seq of the channel. */
  readSeq: number;
}

/** What a root shows of its thread. */
export interface ThreadSummary {
  /** Live (not deleted) messages in the thread. */
  replies: number;
  /** When the newest live one was sent (ms since the epoch). */
  lastReply: number;
  /** The seq of the newest live one. */
  lastSeq: number;
}

export interface ThreadStore {
  /** Start following at `readSeq`; resolves false (position unchanged) when already following. */
  follow(channel: string, root: number, user: string, readSeq: number): Promise<boolean>;
  /** Resolves false when the user did not follow the thread. */
  unfollow(channel: string, root: number, user: string): Promise<boolean>;
  /** Who follows the thread and where each has read it to, by user. */
  followers(channel: string, root: number): Promise<{ user: string; readSeq: number }[]>;
  /** The threads the user follows (of one channel when given), by channel, then root. */
  followed(user: string, channel?: string): Promise<ThreadFollow[]>;
  /**
   * Move the user's read position in the thread forward (never back, never past the channel's
   * lastSeq); resolves the resulting position, or null when the user does not follow it.
   */
  setRead(channel: string, root: number, user: string, seq: number): Promise<number | null>;
  /** The summaries of the threads under `roots` (absent: no live message in it). */
  summaries(channel: string, roots: number[]): Promise<Map<number, ThreadSummary>>;
  /** Live messages of the thread with seq > after, counting at most `cap`. */
  countAfter(channel: string, root: number, after: number, cap: number): Promise<number>;
}
