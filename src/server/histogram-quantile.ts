/**
 * The q-quantile of a histogram's observations from its cumulative bucket counts, the way
 * Prometheus' histogram_quantile() estimates it (so the console agrees with Grafana): find the
 * bucket the rank falls in and interpolate linearly inside it, from 0 for the first bucket. A
 * rank in the +Inf bucket answers the highest finite bound. 0 when there are no observations.
 */
export function histogramQuantile(
  q: number,
  /** Finite upper bounds, ascending. */
  bounds: readonly number[],
  /** Cumulative counts per bound, then the +Inf bucket's (the total): bounds.length + 1. */
  counts: readonly number[],
): number {
  const total = counts[bounds.length] ?? 0;
  if (total <= 0) return 0;
  const rank = q * total;
  for (let i = 0; i < bounds.length; i++) {
    const upTo = counts[i]!;
    if (upTo >= rank) {
      const below = i === 0 ? 0 : counts[i - 1]!;
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      const inBucket = upTo - below;
      return inBucket > 0 ? lower + ((bounds[i]! - lower) * (rank - below)) / inBucket : lower;
    }
  }
  return bounds.at(-1) ?? 0;
}
