/**
 * The one retry-delay formula (client reconnects, bus reconnects, mesh re-dials, SDK retries):
 * capped exponential growth with random jitter taken off the top, so that peers dropped together
 * by one restart do not all come back in the same instant. Pure: no timers, no Node imports.
 */
export interface BackoffOptions {
  /** Delay of the first retry (attempt 0), in ms. */
  minMs: number;
  /** Upper bound of any delay, in ms. */
  maxMs: number;
  /** Growth per attempt. Default 2. */
  factor?: number;
  /** Fraction of the delay taken off at random, 0..1. Default 0.5 (delay is 50-100 % of base). */
  jitter?: number;
}

/** Delay before retry number `attempt` (0 = first): minMs * factor^attempt, capped, jittered. */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const factor = options.factor ?? 2;
  const jitter = options.jitter ?? 0.5;
  const base = Math.min(options.maxMs, options.minMs * factor ** Math.min(attempt, 64));
  return Math.round(base * (1 - jitter * random()));
}
