/**
 * The push seam: hands one notification to a push service for one device.
 *
 * Guarantees of every implementation:
 * - `send` resolves 'sent' once the push service accepted the message (2xx), and 'gone' when it
 *   answered that the subscription no longer exists (404 or 410: the caller removes it);
 *   anything else (another status, a refused connection, a time-out) rejects with a
 *   PushFailedError (SB_ERR_PUSH_FAILED, the driver error as `cause`) that carries the status
 *   answered (null when none came) and its Retry-After. It never retries: RetryingPushSender
 *   (./retrying-sender.ts) wraps it to.
 * - It settles within its time budget (the implementation's `timeoutMs`), so a push service that
 *   hangs holds one of the caller's bounded slots, never a chat command.
 * - The payload is end-to-end encrypted for the device where the service requires it (Web
 *   Push: RFC 8291 aes128gcm), so the push service never reads it.
 * - At most once: the push service may still drop or delay a message it accepted.
 *
 * `web-push.ts` `WebPushSender` is the one implementation (browsers: RFC 8030 + VAPID). FCM or
 * APNs for native apps would be further implementations behind this interface, keyed by their
 * own device tokens; none exists and none is tested here (docs/push.md).
 */

import { SwitchboardError } from '../errors.js';

/** A push service refused or did not answer: SB_ERR_PUSH_FAILED with what a retry needs. */
export class PushFailedError extends SwitchboardError {
  /** Worth retrying: no answer (network, time-out), 429, or 5xx, unless the sender says not. */
  readonly transient: boolean;

  constructor(
    /** The HTTP status the push service answered; null when none came (network, time-out). */
    readonly status: number | null,
    message: string,
    options: { cause?: unknown; retryAfter?: number; transient?: boolean } = {},
  ) {
    super('SB_ERR_PUSH_FAILED', message, options);
    this.transient = options.transient ?? (status === null || status === 429 || status >= 500);
  }
}

/** Where a notification goes: a browser PushSubscription (its endpoint and RFC 8291 keys). */
export interface PushDevice {
  endpoint: string;
  /** base64url P-256 public key of the subscription. */
  p256dh: string;
  /** base64url 16-byte authentication secret. */
  auth: string;
}

export type PushOutcome = 'sent' | 'gone';

export interface PushSender {
  /**
   * Whether this sender would post to `endpoint` (Web Push: an https URL, not on a private
   * address unless allowed). Checked when a device registers it.
   */
  accepts(endpoint: string): boolean;
  /** Encrypts `payload` (at most 3 KiB of UTF-8) for the device and posts it; see above. */
  send(device: PushDevice, payload: string): Promise<PushOutcome>;
}
