/**
 * WebPushSender: the push seam over the `web-push` library (RFC 8030 messages, RFC 8291
 * aes128gcm encryption, RFC 8292 VAPID). The library posts over HTTPS only; push services are
 * public HTTPS endpoints (FCM for Chrome, Mozilla autopush, Apple, WNS).
 */
import { Agent } from 'node:https';
import webpush, { WebPushError } from 'web-push';
import { endpointAllowed, guardedLookup } from './endpoint-guard.js';
import {
  PushFailedError,
  type PushDevice,
  type PushOutcome,
  type PushSender,
} from './push-sender.js';

/** A Retry-After header (RFC 9110: seconds or an HTTP date) in ms from now; undefined if none. */
export function retryAfterMs(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface WebPushOptions {
  /** The VAPID pair (base64url) and subject (a mailto: or https: URL the push service may use). */
  vapid: { publicKey: string; privateKey: string; subject: string };
  /** Socket time budget of one post (ms). Default 10 000. */
  timeoutMs?: number;
  /** How long the push service keeps an undelivered message (s). Default 3600. */
  ttl?: number;
  /** Extra CA certificates (PEM) trusted for push services (a private push service, tests). */
  ca?: string;
  /** Allow push services on loopback/private addresses. Default false (docs/push.md). */
  allowPrivate?: boolean;
}

export class WebPushSender implements PushSender {
  readonly #agent: Agent;
  readonly #vapid: WebPushOptions['vapid'];
  readonly #timeoutMs: number;
  readonly #ttl: number;
  readonly #allowPrivate: boolean;

  constructor(options: WebPushOptions) {
    // Checks the subject and key lengths now: a bad setting is a start-up error.
    webpush.setVapidDetails(
      options.vapid.subject,
      options.vapid.publicKey,
      options.vapid.privateKey,
    );
    this.#vapid = options.vapid;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#ttl = options.ttl ?? 3600;
    this.#allowPrivate = options.allowPrivate ?? false;
    this.#agent = new Agent({
      keepAlive: true,
      maxSockets: 16,
      ...(options.ca ? { ca: options.ca } : {}),
      // Every connection resolves through the guard: a registered endpoint cannot make this
      // server reach its own network unless allowed.
      ...(options.allowPrivate ? {} : { lookup: guardedLookup }),
    });
  }

  accepts(endpoint: string): boolean {
    return endpointAllowed(endpoint, this.#allowPrivate);
  }

  async send(device: PushDevice, payload: string): Promise<PushOutcome> {
    try {
      await webpush.sendNotification(
        { endpoint: device.endpoint, keys: { p256dh: device.p256dh, auth: device.auth } },
        payload,
        {
          vapidDetails: this.#vapid,
          TTL: this.#ttl,
          timeout: this.#timeoutMs,
          agent: this.#agent,
          contentEncoding: 'aes128gcm',
          urgency: 'high',
        },
      );
      return 'sent';
    } catch (err) {
      if (err instanceof WebPushError && (err.statusCode === 404 || err.statusCode === 410))
        return 'gone';
      if (!(err instanceof WebPushError))
        throw new PushFailedError(null, 'push service unreachable', {
          cause: err,
          // The address guard's refusal is final.
          transient: (err as NodeJS.ErrnoException).code !== 'EPUSHPRIVATE',
        });
      const retryAfter = retryAfterMs(err.headers?.['retry-after']);
      throw new PushFailedError(err.statusCode, `push service refused (${err.statusCode})`, {
        cause: err,
        ...(retryAfter === undefined ? {} : { retryAfter }),
      });
    }
  }

  /** Closes kept-alive sockets to push services. */
  close(): void {
    this.#agent.destroy();
  }
}

/** A new VAPID pair (base64url), for the first start of a cluster. */
export function generateVapidKeys(): { publicKey: string; privateKey: string } {
  return webpush.generateVAPIDKeys();
}
