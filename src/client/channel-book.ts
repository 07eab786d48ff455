/**
 * What the client knows about its channels: the ChannelState of each (unread tracking) and,
 * per channel, which sequence numbers it has already delivered (resume positions, dedupe).
 */
import { dmPeer, parseChannel } from '../protocol/channels.js';
import { isMessageEntry } from '../protocol/log-entry.js';
import type { ChannelState, ChatMessage, RoomEvent } from '../protocol/frames.js';
import type { ResumePosition } from './types.js';

/**
 * Seen sequence numbers of one channel: every seq <= floor, plus the ones in `above`.
 *
 * Not just a high-water mark: the reply to our own send travels apart from `message` frames, so
 * our seq 5 may arrive after someone's seq 6. A plain "drop seq <= last" would drop it.
 */
class SeqWindow {
  private above = new Set<number>();
  high: number;

  constructor(public floor: number) {
    this.high = floor;
  }

  /** Records seq; false when it was seen before. */
  add(seq: number): boolean {
    if (seq <= this.floor || this.above.has(seq)) return false;
    this.above.add(seq);
    if (seq > this.high) this.high = seq;
    while (this.above.delete(this.floor + 1)) this.floor++;
    // A gap that never fills (a send reply lost with its connection) must not grow forever.
    if (this.above.size > 1000) this.reset(this.high);
    return true;
  }

  /** Everything up to seq counts as seen. */
  raise(seq: number): void {
    if (seq <= this.floor) return;
    this.floor = seq;
    if (seq > this.high) this.high = seq;
    for (const s of this.above) if (s <= seq) this.above.delete(s);
    while (this.above.delete(this.floor + 1)) this.floor++;
  }

  reset(seq: number): void {
    this.floor = seq;
    this.high = seq;
    this.above.clear();
  }
}

/**
 * Where the replay of a channel the client did not know starts. A DM from its start as this
 * member sees it: the whole conversation is new to the client. A room (joined on another
 * device) from the user's read position, shared by all devices: what was sent since the join
 * or since the user last read it elsewhere; older room history is for `history`.
 */
export function replayStart(state: ChannelState): number {
  const start = state.kind === 'dm' ? state.firstSeq - 1 : state.readSeq;
  return Math.max(0, Math.min(start, state.lastSeq));
}

/** Whether a message mentions `me`: by handle, or `@room` / `@here` (of someone else). */
export function mentionsMe(
  m: Pick<ChatMessage, 'mentions' | 'mentionsAll' | 'from'>,
  me: string | null,
): boolean {
  if (me === null || m.from === me) return false;
  return m.mentionsAll !== undefined || (m.mentions?.includes(me) ?? false);
}

export class ChannelBook {
  readonly states = new Map<string, ChannelState>();
  private readonly seen = new Map<string, SeqWindow>();
  /** False until the first hello, unless positions were given: nothing to catch up from yet. */
  private started: boolean;

  constructor(initial: ResumePosition[] = []) {
    for (const p of initial) this.seen.set(p.channel, new SeqWindow(p.after));
    this.started = initial.length > 0;
  }

  /** Highest seq delivered per channel: the `resume` list of the next hello. */
  positions(): ResumePosition[] {
    return [...this.seen].map(([channel, w]) => ({ channel, after: w.high }));
  }

  /** Every seq at or below it has been delivered (undefined for an unknown channel). */
  position(channel: string): number | undefined {
    return this.seen.get(channel)?.floor;
  }

  /**
   * Takes the channel list of a hello reply as the truth. Returns the channels that are gone,
   * and the channels new to the client that it must replay (`resume`) to see what it missed;
   * on the very first hello of a client without positions nothing is missed, all go live.
   * A channel whose server lastSeq is below our position lost data (store wiped): the server wins.
   */
  applyHello(channels: ChannelState[]): { removed: string[]; replay: ResumePosition[] } {
    const present = new Set(channels.map((c) => c.channel));
    const removed: string[] = [];
    const replay: ResumePosition[] = [];
    for (const channel of [...this.seen.keys()]) {
      if (present.has(channel)) continue;
      this.seen.delete(channel);
      if (this.states.delete(channel)) removed.push(channel);
    }
    for (const channel of [...this.states.keys()]) {
      if (!present.has(channel) && this.states.delete(channel)) removed.push(channel);
    }
    for (const state of channels) {
      this.states.set(state.channel, { ...state });
      const w = this.seen.get(state.channel);
      if (w) {
        if (w.high > state.lastSeq) w.reset(state.lastSeq);
        continue;
      }
      const after = this.started ? replayStart(state) : state.lastSeq;
      this.seen.set(state.channel, new SeqWindow(after));
      if (after < state.lastSeq) replay.push({ channel: state.channel, after });
    }
    this.started = true;
    return { removed, replay };
  }

  /**
   * Adds or replaces a channel from a reply (join, create, read): live delivery starts after
   * lastSeq. A state that does not say the room's topic and archived flag (a `read` reply) keeps
   * the known ones.
   */
  merge(state: ChannelState): ChannelState {
    const known = this.states.get(state.channel);
    const merged = { ...state };
    if (merged.topic === undefined && known?.topic !== undefined) {
      merged.topic = known.topic;
      merged.archived = known.archived;
    }
    if (known && known.lastSeq > merged.lastSeq) {
      // Frames past the reply's position already arrived: what they added is in known.
      merged.lastSeq = known.lastSeq;
      merged.unread = Math.max(merged.unread, known.unread);
      merged.mentions = Math.max(merged.mentions, known.mentions);
    }
    this.states.set(state.channel, merged);
    // An existing window is left alone: a reply can overtake message frames already on their way.
    if (!this.seen.has(state.channel)) this.seen.set(state.channel, new SeqWindow(state.lastSeq));
    return merged;
  }

  remove(channel: string): boolean {
    this.seen.delete(channel);
    return this.states.delete(channel);
  }

  /**
   * A room's topic or archived flag changed (a `room` event): the updated state, or undefined
   * when the room is not ours or neither changed.
   */
  room(event: RoomEvent, channel: string): ChannelState | undefined {
    const state = this.states.get(channel);
    if (!state || (event.topic === undefined && event.archived === undefined)) return undefined;
    if (event.topic !== undefined) state.topic = event.topic;
    if (event.archived !== undefined) state.archived = event.archived;
    return { ...state };
  }

  /** End of a resume replay: everything up to seq has been sent to us. */
  synced(channel: string, seq: number): void {
    this.seen.get(channel)?.raise(seq);
  }

  /** Read position moved (this or another device): the server's counts. */
  read(channel: string, seq: number, unread: number, mentions = 0): ChannelState | undefined {
    const state = this.states.get(channel);
    if (!state) return undefined;
    state.readSeq = Math.max(state.readSeq, seq);
    state.unread = unread;
    state.mentions = mentions;
    return { ...state };
  }

  /**
   * Records a message. Returns the updated channel state, or null when the message was
   * delivered before (drop it).
   */
  message(m: ChatMessage, me: string | null): ChannelState | null {
    const parsed = parseChannel(m.channel);
    if (!parsed) return null;
    let w = this.seen.get(m.channel);
    if (!w) {
      // Unknown channel: a new DM is replayed from its start; a room joined on another device
      // goes live from the present.
      w = new SeqWindow(parsed.kind === 'dm' ? 0 : m.seq - 1);
      this.seen.set(m.channel, w);
    }
    if (!w.add(m.seq)) return null;
    let state = this.states.get(m.channel);
    if (!state) {
      const name = parsed.kind === 'room' ? parsed.room : dmPeer(parsed.users, me);
      const readSeq = parsed.kind === 'dm' ? 0 : m.seq - 1;
      state = {
        channel: m.channel,
        kind: parsed.kind,
        name,
        lastSeq: readSeq,
        readSeq,
        unread: 0,
        mentions: 0,
        firstSeq: 1,
      };
      this.states.set(m.channel, state);
    }
    // Unread counts messages of others past the read position; the server's count covers up to
    // the lastSeq it gave, so only a message past it adds one (a replay of older ones does not).
    // Events (edits, reactions, deletes) move lastSeq only. My own message reads up to it.
    // Mentions count the same way: a new message of someone else that mentions me adds one.
    const newest = m.seq > state.lastSeq;
    state.lastSeq = Math.max(state.lastSeq, m.seq);
    // A thread message not sent to the room belongs to its thread's unread count, not this one.
    const inMainTimeline = m.thread === undefined || m.alsoToRoom === true;
    if (isMessageEntry(m) && inMainTimeline && m.seq > state.readSeq) {
      if (m.from !== me) {
        if (newest) state.unread++;
        if (newest && mentionsMe(m, me)) state.mentions++;
      } else {
        state.readSeq = m.seq;
        if (newest) state.unread = state.mentions = 0;
      }
    }
    return { ...state };
  }
}
