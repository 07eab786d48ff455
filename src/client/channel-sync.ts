/**
 * Channels being replayed, on the current connection: the ones the hello resumed and the ones
 * new to the client (a DM opened or a room joined elsewhere while it was away).
 *
 * While the SDK replays a channel with `resume`, the connection may already be live on it (a new
 * channel is subscribed from the hello on) and our own send replies travel apart, so its
 * messages wait here and leave in seq order: each as soon as it is the next one after the
 * client's position, the rest when the `resume` reply ends the replay. Channels the hello
 * resumed are not held: the server sends their replay before any live message.
 *
 * Everything here belongs to one connection: `stop()` on a drop or close, and the next hello
 * starts over.
 */
import type { SwitchboardError } from '../errors.js';
import type { ChatMessage, SyncedResult } from '../protocol/frames.js';
import { toError } from './pending-requests.js';
import type { ResumePosition, SyncingEvent } from './types.js';

export interface ChannelSyncDeps {
  /** Sends a frame; `onReply` runs synchronously on arrival, before the frames after it. */
  request(frame: Record<string, unknown>, onReply: (data: unknown) => void): Promise<unknown>;
  /** Every seq at or below it has been emitted; undefined for a channel the client lacks. */
  position(channel: string): number | undefined;
  /** Emits a message (once: the caller drops what it emitted before). */
  deliver(message: ChatMessage): void;
  /** The replay ended: every message up to `r.seq` has been delivered. */
  synced(r: SyncedResult): void;
  syncing(event: SyncingEvent): void;
  /** A `resume` failed: the channel stays as it is, live from the hello on. */
  failed(err: SwitchboardError): void;
}

interface Replay {
  /** Messages waiting for their turn, by seq; null while the hello's own replay runs. */
  held: Map<number, ChatMessage> | null;
}

export class ChannelSync {
  private readonly replays = new Map<string, Replay>();

  constructor(private readonly deps: ChannelSyncDeps) {}

  /** Channels whose replay has not ended yet. */
  get channels(): ReadonlySet<string> {
    return new Set(this.replays.keys());
  }

  /**
   * After a hello: `resumed` channels are replaying already (the hello listed them), `fresh`
   * ones (new to the client) are asked for with `resume`.
   */
  begin(resumed: string[], fresh: ResumePosition[]): void {
    for (const channel of resumed) this.start(channel);
    for (const { channel } of fresh) this.resume(this.start(channel), channel);
  }

  /** Holds a message of a replaying channel; false when its channel is not replaying. */
  accept(m: ChatMessage): boolean {
    const replay = this.replays.get(m.channel);
    if (!replay?.held) return false;
    replay.held.set(m.seq, m);
    this.releaseNext(m.channel, replay.held);
    return true;
  }

  /** The replay of a channel ended: what waited goes out in seq order, then `synced`. */
  end(r: SyncedResult, synced = true): void {
    const replay = this.replays.get(r.channel);
    if (replay) {
      this.forget(r.channel);
      const held = [...(replay.held?.values() ?? [])].sort((a, b) => a.seq - b.seq);
      for (const m of held) this.deps.deliver(m);
    }
    if (synced) this.deps.synced(r);
  }

  /** The channel is gone (left, removed): nothing of it waits any more. */
  forget(channel: string): void {
    this.replays.delete(channel);
  }

  /** The connection is gone: drop every replay (the next hello resumes afresh). */
  stop(): void {
    this.replays.clear();
  }

  private start(channel: string): Replay {
    const replay: Replay = { held: null };
    this.replays.set(channel, replay);
    this.deps.syncing({ channel, after: this.after(channel) });
    return replay;
  }

  private after(channel: string): number {
    return this.deps.position(channel) ?? 0;
  }

  private releaseNext(channel: string, held: Map<number, ChatMessage>): void {
    for (;;) {
      const next = held.get(this.after(channel) + 1);
      if (!next) return;
      held.delete(next.seq);
      this.deps.deliver(next);
    }
  }

  private resume(replay: Replay, channel: string): void {
    replay.held ??= new Map();
    const frame = { type: 'resume', channel, after: this.after(channel) };
    this.deps
      .request(frame, (data) => {
        if (this.replays.get(channel) === replay) this.end(data as SyncedResult);
      })
      .catch((err: unknown) => {
        if (this.replays.get(channel) !== replay) return;
        const e = toError(err);
        // A lost connection is the reconnect's business: its hello resumes the channel.
        if (e.code === 'SB_ERR_CONNECTION_CLOSED') return;
        this.end({ channel, seq: this.after(channel), truncated: false, firstSeq: 0 }, false);
        this.deps.failed(e);
      });
  }
}
