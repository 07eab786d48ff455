/**
 * Checks the ordering promises of the protocol on the frames one connection received, as a raw
 * client sees them (docs/protocol.md, "Ordering and resume"):
 * - per channel, `message` frames arrive in strictly increasing seq: no duplicate, no reordering;
 * - nothing of a channel arrives before the reply that subscribes the connection to it (hello,
 *   join, create, resume), and live delivery starts right after the reply's position
 *   (`lastSeq` of a channel state; the resume position for a replayed channel);
 * - `synced` splits a replay from live delivery: everything before it is at or below its seq,
 *   everything after it above;
 * - a connection never gets its own send as a `message` frame (it is in the send's reply);
 * - `complete()` then checks that frames plus own send replies cover every seq from the start
 *   position to the channel's head, with no gap.
 */
import type { Frame, ProtocolClient } from './protocol-client.js';

interface Track {
  /** Position the subscription started from: nothing at or below it is expected. */
  start: number;
  /** Highest seq received as a `message` frame (or the start). */
  last: number;
  /** Every seq this connection holds: frames and own send replies. */
  have: Set<number>;
  own: Set<number>;
  syncing: boolean;
}

export class WireCheck {
  readonly violations: string[] = [];
  private readonly tracks = new Map<string, Track>();
  private seen = 0;

  constructor(private readonly name: string) {}

  /** Feeds the frames received since the last call; `sent` maps request ids to the frames sent. */
  feed(frames: Frame[], sent: Map<unknown, Frame>): this {
    for (; this.seen < frames.length; this.seen++) this.frame(frames[this.seen]!, sent);
    return this;
  }

  /** The highest seq of `channel` this connection holds (or starts after); -1 if not subscribed. */
  position(channel: string): number {
    const t = this.tracks.get(channel);
    if (!t) return -1;
    let p = Math.max(t.start, t.last);
    for (const s of t.own) p = Math.max(p, s);
    return p;
  }

  /** Frames plus own send replies cover (start, head] of `channel` without a gap. */
  complete(channel: string, head: number): this {
    const t = this.tracks.get(channel);
    if (!t) {
      this.fail(`${channel}: never subscribed`);
      return this;
    }
    const missing: number[] = [];
    for (let s = t.start + 1; s <= head; s++) if (!t.have.has(s)) missing.push(s);
    if (missing.length > 0)
      this.fail(`${channel}: missing ${missing.length} seqs, first ${missing.slice(0, 5).join()}`);
    return this;
  }

  private fail(what: string): void {
    if (this.violations.length < 20) this.violations.push(`${this.name}: ${what}`);
  }

  private subscribe(channel: string, start: number, syncing: boolean): void {
    this.tracks.set(channel, {
      start,
      last: start,
      have: new Set(),
      own: new Set(),
      syncing,
    });
  }

  private frame(f: Frame, sent: Map<unknown, Frame>): void {
    if (f.type === 'message') return this.message(f);
    if (f.type === 'synced') {
      const t = this.tracks.get(f.channel as string);
      if (!t?.syncing) return this.fail(`synced for ${String(f.channel)} without a replay`);
      if ((f.seq as number) < t.last)
        this.fail(`${String(f.channel)}: synced ${String(f.seq)} after seq ${t.last}`);
      t.syncing = false;
      t.last = Math.max(t.last, f.seq as number);
      if (f.truncated) t.start = (f.firstSeq as number) - 1;
      return;
    }
    if (f.type === 'error' && f.id === undefined) return this.fail(`error ${String(f.code)}`);
    if (f.type !== 'reply') return;
    const req = sent.get(f.id);
    const data = f.data as Record<string, unknown>;
    if (!req) return;
    if (req.type === 'hello') {
      const resume = new Map(
        ((req.resume ?? []) as { channel: string; after: number }[]).map((p) => [
          p.channel,
          p.after,
        ]),
      );
      for (const s of data.channels as { channel: string; lastSeq: number; firstSeq: number }[]) {
        const after = resume.get(s.channel);
        if (after === undefined) this.subscribe(s.channel, s.lastSeq, false);
        else this.subscribe(s.channel, Math.max(after, s.firstSeq - 1), true);
      }
    } else if (req.type === 'join' || req.type === 'create') {
      const channel = data.channel as string;
      if (!this.tracks.has(channel)) this.subscribe(channel, data.lastSeq as number, false);
    } else if (req.type === 'resume') {
      const t = this.tracks.get(data.channel as string);
      if (t) t.last = Math.max(t.last, data.seq as number);
    } else if (req.type === 'send') {
      const m = data.message as { channel: string; seq: number };
      const t = this.tracks.get(m.channel);
      if (!t) return;
      if (t.have.has(m.seq) && !data.duplicate)
        this.fail(`${m.channel}: own seq ${m.seq} also came as a message frame`);
      t.have.add(m.seq);
      t.own.add(m.seq);
    }
  }

  private message(f: Frame): void {
    const channel = f.channel as string;
    const seq = f.seq as number;
    const t = this.tracks.get(channel);
    if (!t) return this.fail(`${channel}: seq ${seq} before the subscribing reply`);
    if (seq <= t.start) this.fail(`${channel}: seq ${seq} at or below the start ${t.start}`);
    if (seq <= t.last) this.fail(`${channel}: seq ${seq} after ${t.last} (duplicate or reorder)`);
    if (t.own.has(seq)) this.fail(`${channel}: own seq ${seq} came back as a message frame`);
    t.last = Math.max(t.last, seq);
    t.have.add(seq);
  }
}

/**
 * Waits (bounded) until each client holds `channel` up to `head`, then checks its frames; returns
 * every violation, named by client.
 */
export async function wireViolations(
  clients: { name: string; c: ProtocolClient }[],
  channel: string,
  head: number,
): Promise<string[]> {
  const violations: string[] = [];
  for (const { name, c } of clients) {
    const check = new WireCheck(name);
    await c
      .waitFor(() => check.feed(c.all(), c.sent).position(channel) >= head, 20_000)
      .catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    violations.push(...check.feed(c.all(), c.sent).complete(channel, head).violations);
  }
  return violations;
}
