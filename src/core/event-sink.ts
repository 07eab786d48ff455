/**
 * Where the core reports what happened, for webhooks (src/webhooks): one call per change, made
 * where the change is decided (a command, a moderation act, a presence change). The core never
 * waits on it: an implementation queues and returns at once, and keeps the order of its calls.
 */

import type { WebhookEventType } from '../protocol/webhook-events.js';

export type { WebhookEventType };

export interface EventSink {
  /** An event ordered within `channel` (null for events of no channel). */
  emit(type: WebhookEventType, channel: string | null, data: Record<string, unknown>): void;
  /**
   * `user`'s cluster-wide connection count went to 0 (offline) or above it (online), as this
   * node saw it. Every node reports it; the implementation logs it once per change.
   */
  presence(user: string, online: boolean): void;
}

export const NO_EVENTS: EventSink = { emit() {}, presence() {} };

/**
 * The operator's before-send hook (`--before-send-url`): asked before a message is stored;
 * resolves the text to store (the same or rewritten) or rejects with a SwitchboardError
 * (SB_ERR_MESSAGE_REJECTED) the sender gets.
 */
export interface BeforeSend {
  check(m: { channel: string; from: string; text: string; replyTo?: number }): Promise<string>;
}
