/**
 * RetryingPushSender: the push seam (./push-sender.ts) with retries around another sender. A
 * transient failure (no answer, 429, 5xx) is tried again after the push service's Retry-After
 * when it sent one, else after capped exponential backoff with jitter (../backoff.ts), at most
 * `retries` times; a Retry-After longer than `maxWaitMs` is not waited for (the failure stands).
 * 404/410 resolve 'gone' at once (the caller prunes the subscription) and other 4xx are final.
 * The caller's slot is held while it waits, so the wait is bounded by design: `retries` times
 * at most `maxWaitMs`.
 */
import { backoffDelay } from '../backoff.js';
import {
  PushFailedError,
  type PushDevice,
  type PushOutcome,
  type PushSender,
} from './push-sender.js';

export interface PushRetryOptions {
  /** Retries after the first attempt. Default 3. */
  retries?: number;
  /** First backoff delay (ms); doubles up to maxDelayMs. Default 500. */
  minDelayMs?: number;
  /** Upper bound of a backoff delay (ms). Default 8000. */
  maxDelayMs?: number;
  /** The longest Retry-After honoured (ms); past it, no retry. Default 30 000. */
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

export class RetryingPushSender implements PushSender {
  constructor(
    private readonly inner: PushSender,
    private readonly o: PushRetryOptions = {},
  ) {}

  accepts(endpoint: string): boolean {
    return this.inner.accepts(endpoint);
  }

  async send(device: PushDevice, payload: string): Promise<PushOutcome> {
    const retries = this.o.retries ?? 3;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.inner.send(device, payload);
      } catch (err) {
        const delay = this.#delay(err, attempt);
        if (delay === null || attempt >= retries) throw err;
        await (this.o.sleep ?? wait)(delay);
      }
    }
  }

  /** How long to wait before retrying after `err`, or null when it is final. */
  #delay(err: unknown, attempt: number): number | null {
    if (!(err instanceof PushFailedError) || !err.transient) return null;
    if (err.retryAfter !== undefined)
      return err.retryAfter <= (this.o.maxWaitMs ?? 30_000) ? err.retryAfter : null;
    return backoffDelay(attempt, {
      minMs: this.o.minDelayMs ?? 500,
      maxMs: this.o.maxDelayMs ?? 8000,
    });
  }
}
