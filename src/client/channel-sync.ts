/**
 * Channels being replayed, on the current connection: the ones the hello resumed, the ones new
 * to the client (a DM opened or a room joined elsewhere while it was away), and the ones whose
 * replay failed and is retried.
 *
 * While the SDK replays a channel with `resume`, the connection may already be live on it (a new
 * channel is subscribed from the hello on) and our own send replies travel apart, so its
 * messages wait here and leave in seq order: each as soon as it is the next one after the
 * client's position, the rest when the `resume` reply ends the replay. Channels the hello
 * resumed are not held: the server sends their replay before any live message.
 *
 * A failed replay (the unsolicited error frame naming the channel, or a retryable `resume`
 * answer) is retried with `resume` from the client's position, after a backoff delay that grows
 * with each failure, until it succeeds; a non-retryable answer (no longer a member) drops the
 * channel. Everything here belongs to one
 * connection: `stop()` on a drop or close, and the next hello starts over.
 */
import type { SwitchboardError } from '../errors.js';
import type { ChatMessage, SyncedResult } from '../protocol/frames.js';
import { backoffDelay } from './backoff.js';
import { toError } from './pending-requests.js';
import type { ReconnectOptions, ResumePosition, SyncingEvent } from './types.js';

/** Errors naming a channel that mean it is no longer the user's: never retried. */
const GONE = new Set<string>([
  'SB_ERR_BANNED',
  'SB_ERR_NOT_A_MEMBER',
  'SB_ERR_ROOM_NOT_FOUND',
  'SB_ERR_CHANNEL_INVALID',
]);

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
  /** The server refused the channel for good (not a member any more). */
  removed(channel: string): void;
}

interface Replay {
  /** Messages waiting for their turn, by seq; null while the hello's own replay runs. */
  held: Map<number, ChatMessage> | null;
  failures: number;
  /** A `resume` is on the wire or waiting for its backoff delay. */
  busy: boolean;
  timer: ReturnType<typeof setTimeout> | null;
}

export class ChannelSync {
  private readonly replays = new Map<string, Replay>();

  constructor(
    private readonly deps: ChannelSyncDeps,
    private readonly backoff: Required<ReconnectOptions>,
  ) {}

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
  end(r: SyncedResult): void {
    const replay = this.replays.get(r.channel);
    if (replay) {
      this.forget(r.channel);
      const held = [...(replay.held?.values() ?? [])].sort((a, b) => a.seq - b.seq);
      for (const m of held) this.deps.deliver(m);
    }
    this.deps.synced(r);
  }

  /**
   * The server could not replay the channel (an error frame naming it): retry later, or, when
   * the error says the channel is no longer the user's (GONE), drop it.
   */
  failed(channel: string, err: SwitchboardError): void {
    if (GONE.has(err.code)) {
      this.forget(channel);
      this.deps.removed(channel);
      return;
    }
    const replay = this.replays.get(channel) ?? this.start(channel, false);
    // Not subscribed now, and replayed by `resume` later: hold from here on.
    replay.held ??= new Map();
    // A `resume` already under way answers for itself.
    if (!replay.busy) this.retry(channel, replay, err);
  }

  /** The channel is gone (left, removed): nothing of it waits any more. */
  forget(channel: string): void {
    const replay = this.replays.get(channel);
    if (replay?.timer) clearTimeout(replay.timer);
    this.replays.delete(channel);
  }

  /** The connection is gone: drop every replay and timer (the next hello resumes afresh). */
  stop(): void {
    for (const channel of [...this.replays.keys()]) this.forget(channel);
  }

  private start(channel: string, announce = true): Replay {
    const replay: Replay = { held: null, failures: 0, busy: false, timer: null };
    this.replays.set(channel, replay);
    if (announce) this.deps.syncing({ channel, after: this.after(channel), attempt: 0 });
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
    replay.busy = true;
    replay.held ??= new Map();
    const frame = { type: 'resume', channel, after: this.after(channel) };
    this.deps
      .request(frame, (data) => {
        if (this.replays.get(channel) === replay) this.end(data as SyncedResult);
      })
      .catch((err: unknown) => {
        if (this.replays.get(channel) !== replay) return;
        replay.busy = false;
        const e = toError(err);
        // A lost connection is the reconnect's business: its hello resumes the channel.
        if (e.code === 'SB_ERR_CONNECTION_CLOSED') return;
        // Another replay of the channel runs on this connection: its end (`synced`) ends ours.
        if (e.code === 'SB_ERR_REPLAY_IN_PROGRESS') return;
        if (e.retryable) return this.retry(channel, replay, e);
        this.forget(channel);
        this.deps.removed(channel);
      });
  }

  private retry(channel: string, replay: Replay, err: SwitchboardError): void {
    replay.failures++;
    replay.busy = true;
    const delay = Math.max(backoffDelay(replay.failures - 1, this.backoff), err.retryAfter ?? 0);
    replay.timer = setTimeout(() => {
      replay.timer = null;
      if (this.replays.get(channel) === replay) this.resume(replay, channel);
    }, delay);
    this.deps.syncing({
      channel,
      after: this.after(channel),
      attempt: replay.failures,
      error: err,
    });
  }
}
