/**
 * Token bucket: `rate` tokens per second, holding at most `burst`; it starts full. The SDK's
 * outbox paces itself with one (by the limits the hello reply announces) so that it stays
 * inside the server's own per-connection bucket, which has the same shape. Pure: no timers,
 * no Node imports, so it runs in the browser bundle too.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Whether the bucket has refilled to `burst`, so a new one would act the same. */
  full(): boolean {
    return this.tokens + (Math.max(0, this.now() - this.last) * this.rate) / 1000 >= this.burst;
  }

  /** Takes one token; returns 0 when granted, else the ms until one is available. */
  take(): number {
    const t = this.now();
    // A clock that steps back (NTP, a test's clock) refills nothing and drains nothing.
    if (t > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.rate) / 1000);
      this.last = t;
    }
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) * 1000) / this.rate);
  }
}
