import {
  duration,
  gapsBetween,
  intersection,
  isNonEmpty,
  makeTimeRange,
  overlaps,
} from '../../tams/index.js';
import type { NonEmptyTimeRange, TimeRange } from '../../tams/index.js';

/**
 * Reference implementations for tests: the statistics written the plain way over values held in memory,
 * independently of the SQL that the executor runs, so that each field can be checked against them.
 */

/** numpy.percentile(values, 100·p) with the default 'linear' method. */
export function referencePercentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (h - lo);
}

export function referenceMean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** numpy.std (ddof = 0). */
export function referenceStddev(values: readonly number[]): number | null {
  const mean = referenceMean(values);
  if (mean === null) return null;
  return Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
}

/**
 * numpy.histogram(values, bins) counts for integer values with min < max, by the definition: bin i holds
 * min + i·w ≤ x < min + (i+1)·w (w = (max − min)/bins, compared exactly as rationals), the last bin closed.
 */
export function referenceHistogram(values: readonly bigint[], bins: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  if (values.length === 0) return counts;
  let min = values[0]!;
  let max = values[0]!;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const span = max - min;
  const n = BigInt(bins);
  for (const x of values) {
    let i = 0;
    while (i < bins - 1 && (x - min) * n >= BigInt(i + 1) * span) i++;
    counts[i]! += 1;
  }
  return counts;
}

/** The parts of `window` no range covers, in time order, with exact markers (edges included). */
export function referenceGaps(ranges: readonly TimeRange[], window: NonEmptyTimeRange): NonEmptyTimeRange[] {
  const inside = ranges.map((r) => intersection(r, window)).filter(isNonEmpty);
  const before =
    window.start === null
      ? []
      : [makeTimeRange({ start: null, end: window.start, endInclusive: !window.startInclusive })];
  const after =
    window.end === null
      ? []
      : [makeTimeRange({ start: window.end, startInclusive: !window.endInclusive, end: null })];
  return gapsBetween([...before, ...inside, ...after]);
}

/** Covered nanoseconds of `window`: the summed lengths of the ranges clipped to it. */
export function referenceCovered(ranges: readonly TimeRange[], window: TimeRange): bigint {
  let total = 0n;
  for (const r of ranges) total += duration(intersection(r, window)) ?? 0n;
  return total;
}

/** Equal-width buckets of a bounded window: bucket i starts at start + floor(i·span/n). */
export function referenceBuckets(
  ranges: readonly TimeRange[],
  window: NonEmptyTimeRange & { start: bigint; end: bigint },
  buckets: number,
): { range: TimeRange; count: number; covered: bigint }[] {
  const n = BigInt(buckets);
  const span = window.end - window.start;
  const bound = (i: bigint) => window.start + (i * span) / n;
  const out = [];
  for (let i = 0n; i < n; i++) {
    const range = makeTimeRange({
      start: bound(i),
      startInclusive: i === 0n ? window.startInclusive : true,
      end: i === n - 1n ? window.end : bound(i + 1n),
      endInclusive: i === n - 1n ? window.endInclusive : false,
    });
    const hits = ranges.filter((r) => overlaps(r, range));
    out.push({ range, count: hits.length, covered: referenceCovered(hits, range) });
  }
  return out;
}

/** Pearson's r; null when either series is constant or shorter than two points. */
export function referencePearson(a: readonly number[], b: readonly number[]): number | null {
  if (a.length < 2 || a.length !== b.length) return null;
  const ma = referenceMean(a)!;
  const mb = referenceMean(b)!;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return saa === 0 || sbb === 0 ? null : sab / Math.sqrt(saa * sbb);
}
