/**
 * What one soak user has been given, per channel, across all its connections: how many times
 * each seq arrived as a `message` frame, and which seqs its own sends were stored at (a send is
 * answered by its reply, never as a frame). One byte per seq, so a 30-minute soak stays small.
 */
class Counts {
  private bytes = new Uint8Array(256);

  get(seq: number): number {
    return seq < this.bytes.length ? this.bytes[seq]! : 0;
  }

  bump(seq: number): void {
    if (seq >= this.bytes.length) {
      let size = this.bytes.length;
      while (size <= seq) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    if (this.bytes[seq]! < 255) this.bytes[seq]!++;
  }
}

class ChannelLedger {
  readonly frames = new Counts();
  readonly acks = new Counts();
  /** Highest seq up to which every message arrived (frame or own send): the resume position. */
  position = 0;

  advance(): void {
    while (this.frames.get(this.position + 1) > 0 || this.acks.get(this.position + 1) > 0)
      this.position++;
  }
}

export interface Tally {
  lost: number;
  duplicated: number;
}

export class Ledger {
  private readonly channels = new Map<string, ChannelLedger>();
  /** The first repeated frames (channel, seq, which connection), for the report. */
  readonly repeats: string[] = [];

  private of(channel: string): ChannelLedger {
    let c = this.channels.get(channel);
    if (!c) this.channels.set(channel, (c = new ChannelLedger()));
    return c;
  }

  frame(channel: string, seq: number, where: string): void {
    const c = this.of(channel);
    if (c.frames.get(seq) > 0 && this.repeats.length < 20)
      this.repeats.push(`${channel}#${seq} again on ${where} (position ${c.position})`);
    c.frames.bump(seq);
    c.advance();
  }

  ack(channel: string, seq: number): void {
    const c = this.of(channel);
    c.acks.bump(seq);
    c.advance();
  }

  /** A channel of this user, resumed from its position at every hello from now on. */
  know(channel: string): void {
    this.of(channel);
  }

  /** Resume positions of every channel this user knows. */
  resume(): { channel: string; after: number }[] {
    return [...this.channels].map(([channel, c]) => ({ channel, after: c.position }));
  }

  position(channel: string): number {
    return this.channels.get(channel)?.position ?? 0;
  }

  channelIds(): string[] {
    return [...this.channels.keys()];
  }

  /** Seqs 1..head that never arrived, and seqs that arrived as a frame more than once. */
  tally(channel: string, head: number): Tally {
    const c = this.of(channel);
    let lost = 0;
    let duplicated = 0;
    for (let s = 1; s <= head; s++) {
      const n = c.frames.get(s);
      if (n === 0 && c.acks.get(s) === 0) lost++;
      if (n > 1) duplicated += n - 1;
    }
    return { lost, duplicated };
  }
}
