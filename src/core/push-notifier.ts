/**
 * Push notifications to users with no connected device: decided here, posted through the push
 * seam (src/push/push-sender.ts) off the chat path.
 *
 * `notify` is what the core calls, once per (user, message): for a DM now, for mentions and
 * thread replies by those features (`CommandContext.pushNotify`). It never awaits and never
 * throws: a job goes into a bounded queue (full: dropped and counted) that at most
 * `concurrency` workers drain, each post bounded by the sender's time budget, so a push
 * service that hangs or is down costs chat nothing but a queue slot.
 *
 * Sent once per cluster: the node that stored the message calls `notify`, and it skips users
 * that presence counts as connected anywhere (cluster presence lags by up to its heartbeat:
 * a device that connected within it may also get the push; one that dropped within it may not).
 */
import type { Logger } from '../logger.js';
import type { Presence } from '../presence/presence.js';
import type { PushSender } from '../push/push-sender.js';
import type { ChannelNotifySettings, PushStore, UserNotifySettings } from '../store/store.js';

export type PushKind = 'dm' | 'mention' | 'thread';

/** What a notification is about: a stored message. */
export interface PushMessage {
  channel: string;
  seq: number;
  from: string;
  text: string;
}

/** The JSON the service worker receives (docs/push.md). */
export interface PushPayload {
  v: 1;
  kind: PushKind;
  channel: string;
  seq: number;
  from: string;
  /** At most EXCERPT_LENGTH characters (+ "…"); absent when the user turned previews off. */
  text?: string;
}

export type PushOutcomeMetric = 'sent' | 'gone' | 'failed' | 'dropped';

export interface PushNotifierOptions {
  store: { readonly push: PushStore };
  sender: PushSender;
  presence: Pick<Presence, 'count'>;
  logger: Logger;
  now: () => number;
  metric?: (outcome: PushOutcomeMetric) => void;
  /** Posts in flight at once. Default 4. */
  concurrency?: number;
  /** Notifications waiting beyond that; more are dropped. Default 1000. */
  queueLimit?: number;
}

/** Characters of text in a notification: enough to read, small for the 4 KiB push limit. */
export const EXCERPT_LENGTH = 120;

/** `text` on one line, cut to EXCERPT_LENGTH code points with "…". */
export function excerpt(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  const chars = [...line];
  return chars.length <= EXCERPT_LENGTH ? line : `${chars.slice(0, EXCERPT_LENGTH).join('')}…`;
}

/**
 * Whether settings let a notification of `kind` through: a muted channel lets nothing through;
 * the channel's level, else the user's, decides: `all` every kind, `mentions` DMs and mentions,
 * `none` nothing.
 */
export function wantsPush(
  kind: PushKind,
  user: UserNotifySettings,
  channel: ChannelNotifySettings | undefined,
  now: number,
): boolean {
  if (channel?.mutedUntil != null && channel.mutedUntil > now) return false;
  const level = channel?.level ?? user.level;
  return level === 'all' || (level === 'mentions' && kind !== 'thread');
}

interface Job {
  user: string;
  message: PushMessage;
  kind: PushKind;
}

export class PushNotifier {
  readonly #queue: Job[] = [];
  #running = 0;
  #closed = false;
  readonly #idle: Array<() => void> = [];
  readonly #concurrency: number;
  readonly #queueLimit: number;

  constructor(private readonly opts: PushNotifierOptions) {
    this.#concurrency = opts.concurrency ?? 4;
    this.#queueLimit = opts.queueLimit ?? 1000;
  }

  /** Queues a notification to `user` about `message` if they have no connected device. */
  notify(user: string, message: PushMessage, kind: PushKind): void {
    if (this.#closed || user === message.from) return;
    if (this.opts.presence.count(user) > 0) return;
    if (this.#queue.length >= this.#queueLimit) {
      this.opts.metric?.('dropped');
      return;
    }
    this.#queue.push({ user, message, kind });
    this.#pump();
  }

  /** Resolves when nothing is queued or in flight (tests, drain). */
  idle(): Promise<void> {
    if (this.#running === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((res) => this.#idle.push(res));
  }

  /** Drops what is queued; posts in flight finish within the sender's time budget. */
  close(): void {
    this.#closed = true;
    this.#queue.length = 0;
  }

  #pump(): void {
    while (this.#running < this.#concurrency && this.#queue.length > 0) {
      const job = this.#queue.shift()!;
      this.#running++;
      this.#run(job)
        .catch((err: unknown) => this.opts.logger.warn({ err }, 'push notification failed'))
        .finally(() => {
          this.#running--;
          this.#pump();
          if (this.#running === 0 && this.#queue.length === 0)
            for (const res of this.#idle.splice(0)) res();
        });
    }
  }

  async #run({ user, message, kind }: Job): Promise<void> {
    const push = this.opts.store.push;
    const settings = await push.userSettings(user);
    const channel = (await push.channelSettings(user)).find((c) => c.channel === message.channel);
    if (!wantsPush(kind, settings, channel, this.opts.now())) return;
    const devices = await push.subscriptions(user);
    if (devices.length === 0) return;
    const payload: PushPayload = {
      v: 1,
      kind,
      channel: message.channel,
      seq: message.seq,
      from: message.from,
      ...(settings.preview ? { text: excerpt(message.text) } : {}),
    };
    const body = JSON.stringify(payload);
    await Promise.all(
      devices.map(async (d) => {
        try {
          const outcome = await this.opts.sender.send(d, body);
          this.opts.metric?.(outcome);
          if (outcome === 'gone') await push.removeEndpoint(d.endpoint);
        } catch (err) {
          this.opts.metric?.('failed');
          this.opts.logger.warn({ err, user }, 'push failed');
        }
      }),
    );
  }
}
