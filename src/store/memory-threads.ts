import { isMessage, type StoredMessage } from './message-store.js';
import type { ThreadFollow, ThreadStore, ThreadSummary } from './thread-store.js';

/** What MemoryThreads reads of MemoryStore's channels. */
export interface ThreadChannel {
  lastSeq: number;
  messages: StoredMessage[];
}

/** The thread seam in memory (./thread-store.ts), over MemoryStore's channels. */
export class MemoryThreads implements ThreadStore {
  /** `${channel}\n${root}` → follower → read position. */
  readonly #follows = new Map<string, Map<string, number>>();
  readonly #channels: ReadonlyMap<string, ThreadChannel>;

  constructor(channels: ReadonlyMap<string, ThreadChannel>) {
    this.#channels = channels;
  }

  #live(channel: string, root: number): StoredMessage[] {
    return (this.#channels.get(channel)?.messages ?? []).filter(
      (m) => m.thread === root && isMessage(m) && !m.deleted,
    );
  }

  async follow(channel: string, root: number, user: string, readSeq: number): Promise<boolean> {
    const key = `${channel}\n${root}`;
    const of = this.#follows.get(key) ?? new Map<string, number>();
    this.#follows.set(key, of);
    if (of.has(user)) return false;
    of.set(user, readSeq);
    return true;
  }

  async unfollow(channel: string, root: number, user: string): Promise<boolean> {
    return this.#follows.get(`${channel}\n${root}`)?.delete(user) ?? false;
  }

  async followers(channel: string, root: number): Promise<{ user: string; readSeq: number }[]> {
    return [...(this.#follows.get(`${channel}\n${root}`) ?? [])]
      .map(([user, readSeq]) => ({ user, readSeq }))
      .sort((a, b) => (a.user < b.user ? -1 : 1));
  }

  async followed(user: string, channel?: string): Promise<ThreadFollow[]> {
    const out: ThreadFollow[] = [];
    for (const [key, of] of this.#follows) {
      const readSeq = of.get(user);
      if (readSeq === undefined) continue;
      const [ch, root] = key.split('\n') as [string, string];
      if (channel === undefined || ch === channel)
        out.push({ channel: ch, root: Number(root), readSeq });
    }
    return out.sort((a, b) =>
      a.channel === b.channel ? a.root - b.root : a.channel < b.channel ? -1 : 1,
    );
  }

  async setRead(channel: string, root: number, user: string, seq: number): Promise<number | null> {
    const of = this.#follows.get(`${channel}\n${root}`);
    const current = of?.get(user);
    if (of === undefined || current === undefined) return null;
    const last = this.#channels.get(channel)?.lastSeq ?? 0;
    const next = Math.max(current, Math.min(seq, last));
    of.set(user, next);
    return next;
  }

  async summaries(channel: string, roots: number[]): Promise<Map<number, ThreadSummary>> {
    const wanted = new Set(roots);
    const out = new Map<number, ThreadSummary>();
    for (const m of this.#channels.get(channel)?.messages ?? []) {
      if (m.thread === undefined || !wanted.has(m.thread) || !isMessage(m) || m.deleted) continue;
      const s = out.get(m.thread);
      out.set(m.thread, { replies: (s?.replies ?? 0) + 1, lastReply: m.ts, lastSeq: m.seq });
    }
    return out;
  }

  async countAfter(channel: string, root: number, after: number, cap: number): Promise<number> {
    return Math.min(cap, this.#live(channel, root).filter((m) => m.seq > after).length);
  }

  /** ChannelStore.forgetUser's part. */
  forgetUser(user: string): void {
    for (const of of this.#follows.values()) of.delete(user);
  }
}
