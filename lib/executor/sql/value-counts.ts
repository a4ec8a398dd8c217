import type { DistributionResult } from '../aggregates.js';

/**
 * A distribution computed exactly from its distinct values and their counts (one GROUP BY in the
 * database, sorted): what most media columns look like (segment durations are a few frame multiples,
 * object sizes cluster), so one grouped pass replaces the summary pass, the rank sort and the histogram
 * pass. Sums are bigint, so mean and variance are exact until the final division.
 */
export function distributionFromCounts(
  counts: readonly (readonly [value: bigint, count: number])[],
  ps: readonly number[],
  bins: number | undefined,
): DistributionResult {
  let n = 0;
  let sum = 0n;
  for (const [v, c] of counts) {
    n += c;
    sum += v * BigInt(c);
  }
  if (n === 0)
    return {
      count: 0,
      min: null,
      max: null,
      mean: null,
      stddev: null,
      percentiles: ps.map((p) => ({ p, value: null })),
      histogram: [],
    };
  const min = counts[0]![0];
  const max = counts.at(-1)![0];
  const N = BigInt(n);
  // Σc·(x − mean)² = Σc·x² − sum²/n, exactly: n·Σc·x² − sum², over n².
  let sumSquares = 0n;
  for (const [v, c] of counts) sumSquares += v * v * BigInt(c);
  const varianceTimesN2 = N * sumSquares - sum * sum;
  const mean = Number(sum / N) + Number(sum % N) / n;
  const stddev = Math.sqrt(Number(varianceTimesN2) / (n * n));

  // The k-th smallest value (0-based) by walking the cumulative counts; ranks asked in any order.
  const valueAt = (k: number): bigint => {
    let seen = 0;
    for (const [v, c] of counts) {
      seen += c;
      if (k < seen) return v;
    }
    return max;
  };
  const percentiles = ps.map((p) => {
    const h = p * (n - 1);
    const lo = Math.floor(h);
    const frac = h - lo;
    const a = valueAt(lo);
    if (frac === 0) return { p, value: Number(a) };
    const b = valueAt(Math.min(lo + 1, n - 1));
    return { p, value: Number(a) + Number(b - a) * frac };
  });

  let histogram: DistributionResult['histogram'] = [];
  if (bins !== undefined) {
    if (min === max) histogram = [{ lower: Number(min), upper: Number(max), count: n }];
    else {
      const span = max - min;
      const B = BigInt(bins);
      const binCounts = new Array<number>(bins).fill(0);
      for (const [v, c] of counts) {
        const i = v === max ? bins - 1 : Number(((v - min) * B) / span);
        binCounts[i]! += c;
      }
      const lo = Number(min);
      const width = Number(span);
      histogram = binCounts.map((count, i) => ({
        lower: lo + (width * i) / bins,
        upper: i === bins - 1 ? Number(max) : lo + (width * (i + 1)) / bins,
        count,
      }));
    }
  }
  return { count: n, min, max, mean, stddev, percentiles, histogram };
}
