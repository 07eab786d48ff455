/**
 * The page's view of the user's channels and their read positions.
 *
 * Fed from the SDK's ChannelState snapshots and from every message and read event. Positions
 * only move forward (max-merge), so a stale snapshot arriving late never resurrects an unread
 * badge. The unread count is the SDK's (messages of others, not events on earlier messages).
 */
import type { ChannelState, ChatMessage } from '../protocol/frames.js';
import { dmChannel, parseChannel } from '../protocol/channels.js';
import { mentionsMe } from '../client/channel-book.js';

export interface ChannelInfo {
  channel: string;
  kind: 'room' | 'dm';
  /** Room name, or the other participant of a DM. */
  name: string;
  lastSeq: number;
  readSeq: number;
  /** Messages of others past readSeq (events on earlier messages are not counted). */
  unread: number;
  /** Unread messages that mention me (the server's count, plus new ones since). */
  mentions: number;
  /** A room's topic ('' when none; undefined until a snapshot says it). */
  topic?: string;
  /** A room is archived: read-only. */
  archived?: boolean;
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
    // A snapshot that does not say the topic (a read reply) leaves the known one.
    if (state.topic !== undefined) {
      info.topic = state.topic;
      info.archived = state.archived === true;
    }
    // The snapshot's mention count holds unless this view has read past its read position.
    if (state.readSeq >= info.readSeq) info.mentions = state.mentions;
    info.lastSeq = Math.max(info.lastSeq, state.lastSeq);
    // The SDK counts unread messages (not events); a snapshot behind what is known is stale.
    if (state.readSeq >= info.readSeq) info.unread = state.unread;
    info.readSeq = Math.max(info.readSeq, state.readSeq);
    if (info.readSeq >= info.lastSeq) info.unread = info.mentions = 0;
    return info;
  }

  /** Counts a message; your own message also moves your read position (as the server does). */
  onMessage(msg: ChatMessage): ChannelInfo | undefined {
    const info = this.ensureFromId(msg.channel);
    if (!info) return undefined;
    if (msg.seq > info.lastSeq && msg.seq > info.readSeq && mentionsMe(msg, this.me()))
      info.mentions++;
    info.lastSeq = Math.max(info.lastSeq, msg.seq);
    // My own message reads the channel up to it, as the server does; a thread message not sent
    // to the room does not (it is read in its thread).
    if (msg.from === this.me() && (msg.thread === undefined || msg.alsoToRoom)) {
      info.readSeq = Math.max(info.readSeq, msg.seq);
      info.unread = 0;
    }
    return info;
  }

  /** A read position moved (this device's markRead or another device's read event). */
  onRead(channel: string, seq: number, mentions?: number): void {
    const info = this.map.get(channel);
    if (!info) return;
    info.readSeq = Math.max(info.readSeq, seq);
    if (mentions !== undefined) info.mentions = mentions;
    // Read to the end: nothing unread. Read part way: the server's count comes with its reply.
    if (info.readSeq >= info.lastSeq) info.unread = info.mentions = 0;
  }

  mentions(channel: string): number {
    return this.map.get(channel)?.mentions ?? 0;
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
    return info?.unread ?? 0;
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
      info = { channel, kind, name, lastSeq: 0, readSeq: 0, unread: 0, mentions: 0 };
      this.map.set(channel, info);
    }
    return info;
  }
}
