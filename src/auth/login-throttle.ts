/**
 * Login throttling: one token bucket per account and one per client address. Every attempt
 * takes a token from both buckets before any password is hashed, so a flood of wrong passwords
 * costs one map lookup each once throttled. The buckets are in each node's memory, and each
 * node takes from them the attempts the others let through as well (`onAttempt` → the bus →
 * `observe`; ChatCore.loginAttempted), so a cluster of n nodes allows the rate once, not n times:
 * only an attempt the bus loses, or one made on two nodes within the bus's delay, counts on one
 * node alone (docs/auth.md).
 */
import { SwitchboardError } from '../errors.js';
import { TokenBucket } from '../token-bucket.js';

export interface ThrottleOptions {
  /** Attempts per second per account, sustained. Default 0.1 (6 a minute). */
  accountRate?: number;
  /** Attempts in a row per account before the rate applies. Default 10. */
  accountBurst?: number;
  /** Attempts per second per address, sustained. Default 0.5. */
  addressRate?: number;
  /** Attempts in a row per address before the rate applies. Default 30. */
  addressBurst?: number;
  /** Buckets kept; the oldest is dropped past it, so memory stays bounded. Default 10_000. */
  maxKeys?: number;
  now?: () => number;
}

export class LoginThrottle {
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #options: Required<ThrottleOptions>;

  /**
   * Called with every attempt this node lets through (not the refused ones: the buckets of a
   * flood's source are empty everywhere already), to tell the other nodes.
   */
  onAttempt: (address: string, handle?: string) => void = () => {};

  constructor(options: ThrottleOptions = {}) {
    this.#options = {
      accountRate: 0.1,
      accountBurst: 10,
      addressRate: 0.5,
      addressBurst: 30,
      maxKeys: 10_000,
      now: Date.now,
      ...options,
    };
  }

  #take(key: string, rate: number, burst: number): number {
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size >= this.#options.maxKeys) {
        this.#buckets.delete(this.#buckets.keys().next().value!);
      }
      bucket = new TokenBucket(rate, burst, this.#options.now);
      this.#buckets.set(key, bucket);
    }
    return bucket.take();
  }

  /**
   * Takes one token from the address's bucket and, when given, the account's; the longer wait in
   * ms of the two (0: both had one).
   */
  #takeBoth(address: string, handle: string | undefined): number {
    const o = this.#options;
    const ip = this.#take(`ip:${address}`, o.addressRate, o.addressBurst);
    if (handle === undefined) return ip;
    return Math.max(ip, this.#take(`user:${handle}`, o.accountRate, o.accountBurst));
  }

  /**
   * Takes an attempt for `address` and, when given, `handle`; throws SB_ERR_LOGIN_THROTTLED
   * with `retryAfter` (ms) when either bucket is empty.
   */
  attempt(address: string, handle?: string): void {
    const retryAfter = this.#takeBoth(address, handle);
    if (retryAfter > 0) {
      throw new SwitchboardError('SB_ERR_LOGIN_THROTTLED', undefined, { retryAfter });
    }
    this.onAttempt(address, handle);
  }

  /** An attempt another node let through: taken from the buckets here too, never refused. */
  observe(address: string, handle?: string): void {
    this.#takeBoth(address, handle);
  }
}
