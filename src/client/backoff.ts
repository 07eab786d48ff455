import { backoffDelay as delay } from '../backoff.js';
import type { ReconnectOptions } from './types.js';

export const RECONNECT_DEFAULTS: Required<ReconnectOptions> = {
  minDelay: 500,
  maxDelay: 15_000,
  factor: 2,
  jitter: 0.5,
};

/** Delay before reconnect attempt number `attempt` (0 = first); see src/backoff.ts. */
export function backoffDelay(
  attempt: number,
  options: Required<ReconnectOptions>,
  random: () => number = Math.random,
): number {
  const { minDelay: minMs, maxDelay: maxMs, factor, jitter } = options;
  return delay(attempt, { minMs, maxMs, factor, jitter }, random);
}
