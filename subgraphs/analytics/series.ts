/**
 * Time-series arithmetic over a short, bounded list of points (at most the `last` cap): moving average,
 * z-scores, anomalies and a least-squares trend. The counts come from the database; this only shapes them.
 */

export interface SeriesPointValue {
  /** ISO 8601 UTC start of the interval. */
  readonly start: string;
  readonly value: number;
  readonly movingAverage: number | null;
  readonly zScore: number | null;
}

export interface TrendValue {
  readonly slope: number;
  readonly direction: 'UP' | 'DOWN' | 'FLAT';
  readonly changePercent: number | null;
}

/** Mean and population standard deviation of a list (null for an empty one). */
export function meanAndStddev(values: readonly number[]): { mean: number; stddev: number } | null {
  if (values.length === 0) return null;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length;
  return { mean, stddev: Math.sqrt(variance) };
}

/** Points with the moving average over `window` points and the z-score over the whole series. */
export function seriesPoints(
  starts: readonly string[],
  values: readonly number[],
  window: number,
): SeriesPointValue[] {
  const stats = meanAndStddev(values);
  let sum = 0;
  return values.map((value, i) => {
    sum += value;
    if (i >= window) sum -= values[i - window]!;
    return {
      start: starts[i]!,
      value,
      movingAverage: i + 1 >= window ? sum / window : null,
      zScore: stats && stats.stddev > 0 ? (value - stats.mean) / stats.stddev : null,
    };
  });
}

export function anomalies(points: readonly SeriesPointValue[], threshold: number): SeriesPointValue[] {
  return points.filter((p) => p.zScore !== null && Math.abs(p.zScore) > threshold);
}

/** Least-squares line over (index, value); FLAT when |slope| < 1% of |mean|. */
export function trend(values: readonly number[]): TrendValue {
  const n = values.length;
  if (n < 2) return { slope: 0, direction: 'FLAT', changePercent: n === 1 ? 0 : null };
  const mx = (n - 1) / 2;
  const my = values.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  values.forEach((y, x) => {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  });
  const slope = sxy / sxx;
  const direction = Math.abs(slope) < 0.01 * Math.abs(my) || slope === 0 ? 'FLAT' : slope > 0 ? 'UP' : 'DOWN';
  const first = my - slope * mx;
  const last = my + slope * mx;
  return { slope, direction, changePercent: first === 0 ? null : ((last - first) / Math.abs(first)) * 100 };
}

/** Pearson's r of two equally long series; null when either is constant or shorter than two points. */
export function pearson(a: readonly number[], b: readonly number[]): number | null {
  if (a.length < 2 || a.length !== b.length) return null;
  const sa = meanAndStddev(a)!;
  const sb = meanAndStddev(b)!;
  if (sa.stddev === 0 || sb.stddev === 0) return null;
  let cov = 0;
  for (let i = 0; i < a.length; i++) cov += (a[i]! - sa.mean) * (b[i]! - sb.mean);
  return cov / a.length / (sa.stddev * sb.stddev);
}
