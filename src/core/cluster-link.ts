/**
 * This node's link to the rest of the cluster over the Bus: publishes envelopes, holds the
 * node's interest in topics, hands incoming envelopes on, and keeps bus failures to one log line
 * per 5 s (during an outage every publish fails).
 */
import type { Bus } from '../bus/bus.js';
import type { Logger } from '../logger.js';
import type { Interest } from './directory.js';
import { decodeEnvelope, encodeEnvelope, type Envelope } from './envelope.js';

/** `user` is set for payloads on a user's topic (`u.<user>`), null for channel topics. */
export type EnvelopeHandler = (user: string | null, e: Envelope) => void;

const LOG_EVERY_MS = 5000;

export class ClusterLink implements Interest {
  private suppressed = 0;
  private loggedAt = -Infinity;
  /**
   * Messages this node stored but could not publish (bus down or cut off), as the highest seq
   * per topic and channel: announced as `head` envelopes once the bus is back.
   */
  private readonly unsent = new Map<string, { c: string; s: number }>();

  constructor(
    private readonly bus: Bus,
    private readonly logger: Logger,
    private readonly now: () => number,
    private readonly onPayload: () => void,
  ) {}

  /** Connects the bus; `onReconnect` runs after an outage (payloads may have been lost). */
  start(onEnvelope: EnvelopeHandler, onReconnect: () => void): Promise<void> {
    return this.bus.start((topic, payload) => {
      this.onPayload();
      const e = decodeEnvelope(payload);
      if (e) onEnvelope(topic.startsWith('u.') ? topic.slice(2) : null, e);
    }, onReconnect);
  }

  publish(topic: string, e: Envelope): void {
    this.bus.publish(topic, encodeEnvelope(e)).catch((err: unknown) => {
      if (e.k === 'msg') this.remember(topic, e.m.channel, e.m.seq);
      this.failed(err);
    });
  }

  /**
   * After an outage: tells the nodes interested in each topic how far the channels go whose
   * messages were not published, so they read the rest from the store (apply-envelope.ts).
   * A payload that did leave before the failure was noticed is announced too: harmless, the
   * receivers deliver each seq once.
   */
  announceUnsent(): void {
    const heads = [...this.unsent];
    this.unsent.clear();
    for (const [key, { c, s }] of heads)
      this.publish(key.slice(0, key.lastIndexOf('|')), { k: 'head', c, s });
  }

  private remember(topic: string, channel: string, seq: number): void {
    const key = `${topic}|${channel}`;
    const known = this.unsent.get(key);
    if (!known || known.s < seq) this.unsent.set(key, { c: channel, s: seq });
  }

  subscribe(topic: string): Promise<void> {
    return this.bus.subscribe(topic);
  }

  watch(topic: string): void {
    this.bus.subscribe(topic).catch((err: unknown) => this.failed(err));
  }

  unsubscribe(topic: string): void {
    this.bus.unsubscribe(topic).catch((err: unknown) => this.failed(err));
  }

  /** A bus operation failed: logged, at most once per 5 s with a count of the ones in between. */
  failed(err: unknown): void {
    const now = this.now();
    if (now - this.loggedAt < LOG_EVERY_MS) {
      this.suppressed++;
      return;
    }
    this.logger.warn({ err, suppressed: this.suppressed }, 'bus operation failed');
    this.loggedAt = now;
    this.suppressed = 0;
  }
}
