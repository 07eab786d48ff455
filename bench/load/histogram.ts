/**
 * Log-bucketed latency histogram: about 2 % relative precision from 1 µs to minutes, fixed size,
 * so workers can ship it over IPC and the runner can merge them by adding buckets.
 */

const PER_E = 50; // buckets per factor e: bucket width ≈ 2 %
const SIZE = Math.ceil(Math.log(1 + 600e6) * PER_E) + 1; // up to 10 minutes in µs

export class Histogram {
  readonly buckets: number[] = new Array<number>(SIZE).fill(0);
  count = 0;
  maxMs = 0;

  record(ms: number): void {
    const us = ms > 0 ? ms * 1000 : 0;
    const i = Math.min(SIZE - 1, Math.floor(Math.log1p(us) * PER_E));
    this.buckets[i] = (this.buckets[i] ?? 0) + 1;
    this.count++;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  merge(other: { buckets: number[]; count: number; maxMs: number }): void {
    for (let i = 0; i < SIZE; i++)
      this.buckets[i] = (this.buckets[i] ?? 0) + (other.buckets[i] ?? 0);
    this.count += other.count;
    this.maxMs = Math.max(this.maxMs, other.maxMs);
  }

  /** Value in ms at quantile q (0..1): the middle of the bucket holding it. */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.ceil(q * this.count);
    let seen = 0;
    for (let i = 0; i < SIZE; i++) {
      seen += this.buckets[i] ?? 0;
      if (seen >= rank) return Math.min(this.maxMs, Math.expm1((i + 0.5) / PER_E) / 1000);
    }
    return this.maxMs;
  }

  /** How many recorded values lie above `ms` (to the bucket: ~2 %). */
  countOver(ms: number): number {
    const from = Math.floor(Math.log1p(ms * 1000) * PER_E) + 1;
    let n = 0;
    for (let i = from; i < SIZE; i++) n += this.buckets[i] ?? 0;
    return n;
  }

  reset(): void {
    this.buckets.fill(0);
    this.count = 0;
    this.maxMs = 0;
  }
}
