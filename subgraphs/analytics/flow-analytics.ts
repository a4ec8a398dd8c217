import type { ExecutorOps } from '../../lib/executor/index.js';
import { and, eq, isIn, overlaps } from '../../lib/executor/index.js';
import {
  duration,
  EMPTY,
  formatTimeRange,
  isNonEmpty,
  makeTimeRange,
  NS_PER_SECOND,
} from '../../lib/tams/index.js';
import type { TimeRange } from '../../lib/tams/index.js';
import { notFound } from '../media/errors.js';

/**
 * The analytics of one flow, each a function of (flow id, arguments) over the store: nothing here keeps
 * state between calls, so each answer can be cached under the flow's version (dependency `flow:<id>`)
 * by wrapping the function, without changing it. The numbers are computed by the executor in SQL.
 */

export interface FlowMeta {
  /** The flow's extent, maintained with its segments; EMPTY when it has none. */
  readonly timerange: TimeRange;
  readonly segmentCount: bigint;
}

/** What the computations read: the executor, and the flow's row through a (batching) loader. */
export interface FlowReads {
  readonly executor: ExecutorOps;
  /** The flow's row, or null when there is no such flow. */
  flowMeta(flowId: string): Promise<FlowMeta | null>;
}

export const DURATION = { kind: 'duration', column: 'timerange' } as const;

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Nanoseconds as seconds: one correctly rounded division while ns is exact as a double (104 days). */
export function seconds(ns: bigint): number {
  if (ns <= SAFE && ns >= -SAFE) return Number(ns) / 1e9;
  return Number(ns / NS_PER_SECOND) + Number(ns % NS_PER_SECOND) / 1e9;
}

/** Seconds as the smallest whole number of nanoseconds at least that long (0.1 s is 100000000 ns). */
export function nanosecondsAtLeast(s: number): bigint {
  const x = s * 1e9;
  const r = Math.round(x);
  return BigInt(Math.abs(x - r) < 1e-3 ? r : Math.ceil(x));
}

export async function existing(reads: FlowReads, flowId: string): Promise<FlowMeta> {
  const meta = await reads.flowMeta(flowId);
  if (!meta) throw notFound(`flow ${flowId}`);
  return meta;
}

/**
 * The range analysed for a `timerange` argument: its bounded sides as given, its unbounded sides (or all
 * of it, when absent) stopped at the flow's first segment start and last segment end.
 */
export async function analysisWindow(
  reads: FlowReads,
  flowId: string,
  range: TimeRange | undefined,
): Promise<TimeRange> {
  const extent = (await existing(reads, flowId)).timerange;
  if (range === undefined) return extent;
  if (!isNonEmpty(range)) return EMPTY;
  if (range.start !== null && range.end !== null) return range;
  if (!isNonEmpty(extent)) return EMPTY;
  return makeTimeRange({
    start: range.start ?? extent.start,
    startInclusive: range.start !== null ? range.startInclusive : extent.startInclusive,
    end: range.end ?? extent.end,
    endInclusive: range.end !== null ? range.endInclusive : extent.endInclusive,
  });
}

export interface CoverageSummary {
  readonly timerange: string;
  readonly coveredSeconds: number;
  readonly ratio: number;
  readonly gapCount: number;
}

export interface GapValue {
  readonly timerange: string;
  readonly seconds: number;
}

/** What one Coverage field needs: the summary, or gaps of at least `minSeconds`, the first `limit`. */
export type CoverageNeed =
  { readonly summary: true } | { readonly minSeconds: number; readonly limit: number };

export interface CoverageAnswer {
  readonly summary: CoverageSummary | undefined;
  /** By `${minSeconds}/${limit}`. */
  readonly gaps: ReadonlyMap<string, readonly GapValue[]>;
}

export const gapsKey = (minSeconds: number, limit: number) => `${minSeconds}/${limit}`;

/**
 * Coverage of a flow over a range, for all the needs of one request, read from the flow's coverage runs
 * (O(runs in the range), not O(segments)): one gaps scan per distinct
 * minimum length (its count is the gap count when the minimum is 0, so the summary needs no scan of
 * its own then), and one covered-seconds sum. A function of (flow, range, needs).
 */
export async function computeCoverage(
  reads: FlowReads,
  flowId: string,
  range: TimeRange | undefined,
  needs: readonly CoverageNeed[],
): Promise<CoverageAnswer> {
  const window = await analysisWindow(reads, flowId, range);
  const gapNeeds = needs.filter((n): n is { minSeconds: number; limit: number } => 'minSeconds' in n);
  const wantSummary = needs.some((n) => 'summary' in n);
  const gaps = new Map<string, readonly GapValue[]>();
  if (!isNonEmpty(window)) {
    for (const n of gapNeeds) gaps.set(gapsKey(n.minSeconds, n.limit), []);
    return {
      summary: wantSummary
        ? { timerange: formatTimeRange(EMPTY), coveredSeconds: 0, ratio: 0, gapCount: 0 }
        : undefined,
      gaps,
    };
  }
  const ex = reads.executor;
  const byMin = new Map<number, number>();
  for (const n of gapNeeds) byMin.set(n.minSeconds, Math.max(byMin.get(n.minSeconds) ?? 0, n.limit));
  if (wantSummary && !byMin.has(0)) byMin.set(0, 0);
  const [covered, scans] = await Promise.all([
    wantSummary
      ? ex
          .aggregate({
            // Coverage runs (kept with the segments) cover exactly what the segments cover: O(runs).
            table: 'segment_runs',
            where: and(eq('flow_id', flowId), overlaps('timerange', window)),
            measures: { covered: { fn: 'sum', of: { ...DURATION, clip: window } } },
          })
          .then(([row]) => (row?.values.covered as bigint | null) ?? 0n)
      : Promise.resolve(0n),
    Promise.all(
      [...byMin].map(async ([min, limit]) => {
        const r = await ex.gaps({
          table: 'segment_runs',
          partition: flowId,
          window,
          minDuration: nanosecondsAtLeast(min),
          limit,
        });
        return [min, r] as const;
      }),
    ),
  ]);
  const scan = new Map(scans);
  for (const n of gapNeeds)
    gaps.set(
      gapsKey(n.minSeconds, n.limit),
      scan
        .get(n.minSeconds)!
        .gaps.slice(0, n.limit)
        .map((g) => ({ timerange: formatTimeRange(g), seconds: seconds(duration(g) ?? 0n) })),
    );
  let summary: CoverageSummary | undefined;
  if (wantSummary) {
    const gapCount = scan.get(0)!.count;
    const span = duration(window) ?? 0n;
    summary = {
      timerange: formatTimeRange(window),
      coveredSeconds: seconds(covered),
      ratio: span > 0n ? Number(covered) / Number(span) : gapCount === 0 ? 1 : 0,
      gapCount,
    };
  }
  return { summary, gaps };
}

export async function timeline(
  reads: FlowReads,
  flowId: string,
  range: TimeRange | undefined,
  buckets: number,
): Promise<{ timerange: string; segmentCount: number; coveredSeconds: number }[]> {
  const window = await analysisWindow(reads, flowId, range);
  if (!isNonEmpty(window)) return [];
  const rows = await reads.executor.timelineBuckets({
    table: 'segments',
    partition: flowId,
    window,
    buckets,
  });
  return rows.map((b) => ({
    timerange: formatTimeRange(b.range),
    segmentCount: b.count,
    coveredSeconds: seconds(b.covered),
  }));
}

/** Segments registered per interval, the last `intervals` intervals up to `now`, for several flows at once. */
export async function ingestCounts(
  reads: FlowReads,
  flowIds: readonly string[],
  intervalMs: number,
  intervals: number,
  now: Date,
): Promise<{ starts: string[]; counts: Map<string, readonly number[]> }> {
  await Promise.all(flowIds.map((id) => existing(reads, id)));
  const current = Math.floor(now.getTime() / intervalMs);
  const from = (current - intervals + 1) * intervalMs;
  const series = await reads.executor.intervalCounts({
    table: 'segments',
    where: isIn('flow_id', flowIds),
    column: 'created',
    from: new Date(from),
    intervalMs,
    intervals,
    partitionBy: 'flow_id',
  });
  const counts = new Map<string, readonly number[]>();
  for (const s of series) counts.set(s.partition as string, s.counts);
  const zeros = new Array<number>(intervals).fill(0);
  for (const id of flowIds) if (!counts.has(id)) counts.set(id, zeros);
  const starts = Array.from({ length: intervals }, (_, i) => new Date(from + i * intervalMs).toISOString());
  return { starts, counts };
}

/** Sum of segment durations per flow, one grouped query for all of them (DataLoader's batch). */
export async function totalDurations(ex: ExecutorOps, flowIds: readonly string[]): Promise<bigint[]> {
  const rows = await ex.aggregate({
    table: 'segments',
    where: isIn('flow_id', flowIds),
    groupBy: ['flow_id'],
    measures: { total: { fn: 'sum', of: DURATION } },
  });
  const byFlow = new Map(rows.map((r) => [r.group.flow_id as string, r.values.total as bigint | null]));
  return flowIds.map((id) => byFlow.get(id) ?? 0n);
}
