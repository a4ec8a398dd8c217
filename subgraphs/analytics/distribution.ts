import type { DistributionQuery, DistributionResult, Predicate } from '../../lib/executor/index.js';
import { and, eq, overlaps } from '../../lib/executor/index.js';
import type { FlowReads } from './flow-analytics.js';
import { DURATION, existing } from './flow-analytics.js';
import type { DistributionParent } from './parents.js';
import type { FlowAnswers } from './flow-answers.js';
import { TickBatcher } from './tick-batcher.js';

/**
 * The Distribution type's fields for any of its sources (segment durations of a flow, object sizes),
 * each a function of (source, arguments) computed by the executor: count/min/max/mean/stddev in one
 * query, percentiles from ranks in one more, the histogram from a grouped count.
 */

interface Source {
  readonly query: Omit<DistributionQuery, 'percentiles' | 'bins'>;
  /** Stored units per output unit: nanoseconds per second, or 1 for bytes. */
  readonly scale: number;
}

async function sourceOf(reads: FlowReads, d: DistributionParent): Promise<Source> {
  if (d.kind === 'durations') {
    await existing(reads, d.flowId);
    // The whole flow: from its duration counts (kept with the segments), O(distinct durations). A range
    // reads the segments overlapping it.
    if (d.range === undefined)
      return {
        query: {
          table: 'segment_durations',
          where: eq('flow_id', d.flowId),
          of: { kind: 'column', column: 'duration' },
          weight: 'segments',
        },
        scale: 1e9,
      };
    const where: Predicate = and(eq('flow_id', d.flowId), overlaps('timerange', d.range));
    return { query: { table: 'segments', where, of: DURATION }, scale: 1e9 };
  }
  return {
    query: {
      table: 'objects',
      ...(d.storageId === undefined ? {} : { where: eq('storage_id', d.storageId) }),
      of: { kind: 'column', column: 'size_bytes' },
    },
    scale: 1,
  };
}

export interface DistributionSummaryValue {
  readonly count: number;
  readonly min: number | null;
  readonly max: number | null;
  readonly mean: number | null;
  readonly stddev: number | null;
}

export interface HistogramBinValue {
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  readonly fraction: number;
}

/** Everything asked of one distribution in one request, computed together. */
export interface DistributionAnswer {
  readonly summary: DistributionSummaryValue;
  /** By fraction. */
  readonly percentiles: ReadonlyMap<number, number | null>;
  /** By bin count. */
  readonly histograms: ReadonlyMap<number, readonly HistogramBinValue[]>;
}

const scaled = (v: number | bigint | null, scale: number) => (v === null ? null : Number(v) / scale);

function histogramOf(r: DistributionResult, bins: number, scale: number): HistogramBinValue[] {
  if (r.count === 0 || r.min === null) return [];
  if (r.min === r.max) {
    // numpy.histogram of identical values v: `bins` bins over [v − 0.5, v + 0.5], all in the middle one.
    const v = Number(r.min) / scale;
    const middle = Math.floor(bins / 2);
    return Array.from({ length: bins }, (_, i) => ({
      lower: v - 0.5 + i / bins,
      upper: v - 0.5 + (i + 1) / bins,
      count: i === middle ? r.count : 0,
      fraction: i === middle ? 1 : 0,
    }));
  }
  return r.histogram.map((b) => ({
    lower: b.lower / scale,
    upper: b.upper / scale,
    count: b.count,
    fraction: b.count / r.count,
  }));
}

/**
 * The summary, the percentiles `ps` and a histogram per entry of `bins` of one distribution: one
 * executor call for the summary, the percentiles and the first histogram (one summary pass shared),
 * one more per further bin count. A function of (source, arguments) only.
 */
export async function computeDistribution(
  reads: FlowReads,
  d: DistributionParent,
  ps: readonly number[],
  bins: readonly number[],
): Promise<DistributionAnswer> {
  const { query, scale } = await sourceOf(reads, d);
  const [first, ...more] = bins;
  const r = await reads.executor.distribution({
    ...query,
    ...(ps.length > 0 ? { percentiles: ps } : {}),
    ...(first !== undefined ? { bins: first } : {}),
  });
  const histograms = new Map<number, readonly HistogramBinValue[]>();
  if (first !== undefined) histograms.set(first, histogramOf(r, first, scale));
  for (const b of more)
    histograms.set(b, histogramOf(await reads.executor.distribution({ ...query, bins: b }), b, scale));
  return {
    summary: {
      count: r.count,
      min: scaled(r.min, scale),
      max: scaled(r.max, scale),
      mean: scaled(r.mean, scale),
      stddev: scaled(r.stddev, scale),
    },
    percentiles: new Map(r.percentiles.map(({ p, value }) => [p, scaled(value, scale)])),
    histograms,
  };
}

/** What one Distribution field needs: percentiles, a histogram, or (neither) the summary. */
export interface DistributionNeed {
  readonly ps?: readonly number[];
  readonly bins?: number;
}

/** Distributions of a request; a flow's segment durations through `durations` (the shared cache), when given. */
export function distributionBatcher(
  reads: FlowReads,
  durations?: FlowAnswers<DistributionAnswer>,
): TickBatcher<DistributionParent, DistributionNeed, DistributionAnswer> {
  return new TickBatcher((d, needs) => {
    const ps = [...new Set(needs.flatMap((n) => n.ps ?? []))];
    const bins = [...new Set(needs.flatMap((n) => (n.bins === undefined ? [] : [n.bins])))];
    const compute = () => computeDistribution(reads, d, ps, bins);
    return d.kind === 'durations' && durations
      ? durations.get(d.flowId, [d.range ?? null, ps, bins], compute)
      : compute();
  });
}
