/** Percentiles, time windows and trends of a stress run's samples. */

/** The p-th percentile (0–100) of `values`, nearest rank; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Least-squares slope of y over x and the fit's endpoints; slope 0 with fewer than two points. */
export function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** A value sampled over a run (RSS, event-loop lag) and its trend. */
export interface Trend {
  readonly first: number;
  readonly last: number;
  readonly min: number;
  readonly max: number;
  /** Least-squares slope per minute over the samples after the warm-up share. */
  readonly slopePerMinute: number;
  /** Medians of the run's three thirds by time: growth shows as the last above the middle (the first is warm-up). */
  readonly thirdMedians: readonly [number, number, number];
}

/**
 * The trend of samples `{t: seconds since start, v}`. The first `warmupShare` of the run is left out of
 * the slope: a process's RSS climbs while its caches and JIT warm up, which is not a leak.
 */
export function trendOf(samples: readonly { t: number; v: number }[], warmupShare = 0.25): Trend {
  if (samples.length === 0)
    return { first: 0, last: 0, min: 0, max: 0, slopePerMinute: 0, thirdMedians: [0, 0, 0] };
  const end = samples[samples.length - 1]!.t;
  const start = samples[0]!.t;
  const third = (k: number) =>
    percentile(
      samples
        .filter((s) => s.t >= start + ((end - start) * k) / 3 && s.t <= start + ((end - start) * (k + 1)) / 3)
        .map((s) => s.v),
      50,
    );
  const steady = samples.filter((s) => s.t >= end * warmupShare);
  return {
    first: samples[0]!.v,
    last: samples[samples.length - 1]!.v,
    min: Math.min(...samples.map((s) => s.v)),
    max: Math.max(...samples.map((s) => s.v)),
    slopePerMinute: slope(steady.map((s) => ({ x: s.t / 60, y: s.v }))),
    thirdMedians: [third(0), third(1), third(2)],
  };
}
