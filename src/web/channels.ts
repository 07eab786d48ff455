/**
 * The page's view of the user's channels and their read positions.
 *
 * Fed from the SDK's ChannelState snapshots and from every message and read event. Positions
 * only move forward (max-merge), so a stale snapshot arriving late never resurrects an unread
 * badge, and a message the SDK has not yet folded into its own state still counts.
 */
import type { ChannelState, ChatMessage } from '../protocol/frames.js';
import { dmChannel, parseChannel } from '../protocol/channels.js';

export interface ChannelInfo {
  channel: string;
  kind: 'room' | 'dm';
  /** Room name, or the other participant of a DM. */
  name: string;
  lastSeq: number;
  readSeq: number;
  /**
   * Seqs above readSeq that are no unread messages: thread messages not sent to the room
   * (they count in their thread), seen live.
   */
  quiet: number[];
}

export class Channels {
  private readonly map = new Map<string, ChannelInfo>();

  constructor(private readonly me: () => string) {}

  get(channel: string): ChannelInfo | undefined {
    return this.map.get(channel);
  }

  has(channel: string): boolean {
    return this.map.has(channel);
  }

  /** Folds an SDK snapshot in; returns the merged entry. */
  merge(state: ChannelState): ChannelInfo {
    const info = this.ensure(state.channel, state.kind, state.name);
    info.lastSeq = Math.max(info.lastSeq, state.lastSeq);
    info.readSeq = Math.max(info.readSeq, state.readSeq);
    info.quiet = info.quiet.filter((seq) => seq > info.readSeq);
    return info;
  }

  /** Counts a message; your own message also moves your read position (as the server does). */
  onMessage(msg: ChatMessage): ChannelInfo | undefined {
    const info = this.ensureFromId(msg.channel);
    if (!info) return undefined;
    info.lastSeq = Math.max(info.lastSeq, msg.seq);
    if (msg.thread !== undefined && !msg.alsoToRoom && msg.seq > info.readSeq)
      info.quiet.push(msg.seq);
    else if (msg.from === this.me()) info.readSeq = Math.max(info.readSeq, msg.seq);
    return info;
  }

  /** A read position moved (this device's markRead or another device's read event). */
  onRead(channel: string, seq: number): void {
    const info = this.map.get(channel);
    if (!info) return;
    info.readSeq = Math.max(info.readSeq, seq);
    info.quiet = info.quiet.filter((q) => q > info.readSeq);
  }

  remove(channel: string): void {
    this.map.delete(channel);
  }

  /** The DM channel with `user`, created locally (empty) when no message was exchanged yet. */
  ensureDm(user: string): ChannelInfo {
    return this.ensure(dmChannel(this.me(), user), 'dm', user);
  }

  unread(channel: string): number {
    const info = this.map.get(channel);
    if (!info) return 0;
    const quiet = info.quiet.filter((seq) => seq > info.readSeq).length;
    return Math.max(0, info.lastSeq - info.readSeq - quiet);
  }

  rooms(): ChannelInfo[] {
    return this.sorted('room');
  }

  dms(): ChannelInfo[] {
    return this.sorted('dm');
  }

  totalUnread(): number {
    let n = 0;
    for (const c of this.map.keys()) n += this.unread(c);
    return n;
  }

  private sorted(kind: 'room' | 'dm'): ChannelInfo[] {
    return [...this.map.values()]
      .filter((c) => c.kind === kind)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  private ensureFromId(channel: string): ChannelInfo | undefined {
    const existing = this.map.get(channel);
    if (existing) return existing;
    const parsed = parseChannel(channel);
    if (!parsed) return undefined;
    if (parsed.kind === 'room') return this.ensure(channel, 'room', parsed.room);
    const [a, b] = parsed.users;
    return this.ensure(channel, 'dm', a === this.me() ? b : a);
  }

  private ensure(channel: string, kind: 'room' | 'dm', name: string): ChannelInfo {
    let info = this.map.get(channel);
    if (!info) {
      info = { channel, kind, name, lastSeq: 0, readSeq: 0, quiet: [] };
      this.map.set(channel, info);
    }
    return info;
  }
}
