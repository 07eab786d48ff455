import type { ReconnectOptions } from './types.js';

export const RECONNECT_DEFAULTS: Required<ReconnectOptions> = {
  minDelay: 500,
  maxDelay: 15_000,
  factor: 2,
  jitter: 0.5,
};

/**
 * Delay before reconnect attempt number `attempt` (0 = first): minDelay * factor^attempt capped
 * at maxDelay, minus up to `jitter` of it at random so that clients dropped together by one
 * server restart do not all come back in the same instant.
 */
export function backoffDelay(
  attempt: number,
  options: Required<ReconnectOptions>,
  random: () => number = Math.random,
): number {
  const base = Math.min(options.maxDelay, options.minDelay * options.factor ** attempt);
  return Math.round(base * (1 - options.jitter * random()));
}
