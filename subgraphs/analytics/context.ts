import DataLoader from 'dataloader';
import type { Executor, QueryMonitor } from '../../lib/executor/index.js';
import type { DistributionAnswer, DistributionNeed } from './distribution.js';
import { distributionBatcher } from './distribution.js';
import type { CoverageAnswer, CoverageNeed, FlowMeta, FlowReads } from './flow-analytics.js';
import { computeCoverage } from './flow-analytics.js';
import type { CoverageParent, DistributionParent } from './parents.js';
import type { CachedAnswers } from './cached-answers.js';
import type { AnalyticsCacheOptions } from './flow-answers.js';
import { cachedAnswers } from './cached-answers.js';
import { TickBatcher } from './tick-batcher.js';
import { totalDurations } from './flow-analytics.js';
import type { SourceStatsValue } from './store-analytics.js';
import { sourceStats } from './store-analytics.js';

/** Options of the analytics subgraph. */
export interface AnalyticsOptions {
  /** The clock the ingest series end at (tests pin it). */
  readonly now?: () => Date;
  /** The replicas' shared cache: answers per (flow, arguments), valid while the flow is unchanged. */
  readonly cache?: AnalyticsCacheOptions;
  /** The query monitor of this process's executor, for `analytics.queryPerformance`. */
  readonly monitor?: QueryMonitor;
}

/** What the subgraph knows of the caller: the gateway checked the root field; admin-only fields check this. */
export interface AnalyticsCaller {
  readonly admin: boolean;
}

/**
 * Per-request context of the analytics subgraph: batched reads of flow rows and figures, and `memo`, which
 * runs each (computation, flow, arguments) once per request however often the selection asks for it. A
 * shared cache would wrap the same keyed computations (docs/decisions.md, analytics).
 */
export interface AnalyticsContext {
  readonly reads: FlowReads;
  readonly segmentCount: DataLoader<string, bigint | null>;
  readonly totalDuration: DataLoader<string, bigint>;
  readonly sourceStats: DataLoader<string, SourceStatsValue>;
  /** Every field of a Distribution (summary, percentiles, histograms) from one computation. */
  readonly distributions: TickBatcher<DistributionParent, DistributionNeed, DistributionAnswer>;
  /** Every field of a Coverage (summary, gap lists) from one computation. */
  readonly coverage: TickBatcher<CoverageParent, CoverageNeed, CoverageAnswer>;
  readonly now: () => Date;
  /** Answers kept in the shared cache (pass-through without one). */
  readonly cached: CachedAnswers;
  readonly caller: AnalyticsCaller;
  readonly monitor: QueryMonitor | undefined;
  memo<T>(key: readonly unknown[], compute: () => Promise<T>): Promise<T>;
}

export function createAnalyticsContext(
  executor: Executor,
  options: AnalyticsOptions = {},
  cached: CachedAnswers = cachedAnswers(options.cache),
  caller: AnalyticsCaller = { admin: false },
): AnalyticsContext {
  // One indexed lookup for every flow of a response (extent and count are maintained with the
  // segments), or the shared cache's answer.
  const lookupMeta = async (ids: readonly string[]) => {
    const rows = await executor.lookup('flows', 'id', ids, { columns: ['timerange', 'segment_count'] });
    return rows.map((r) => (r ? { timerange: r.timerange, segmentCount: r.segment_count } : null));
  };
  const flows = new DataLoader<string, FlowMeta | null>((ids) =>
    cached.flowMeta.getMany(ids, 'meta', lookupMeta),
  );
  const memos = new Map<string, Promise<unknown>>();
  const reads: FlowReads = { executor, flowMeta: (id) => flows.load(id) };
  return {
    reads,
    cached,
    distributions: distributionBatcher(reads, cached.durations),
    coverage: new TickBatcher((c, needs) =>
      cached.coverage.get(c.flowId, [c.range ?? null, needs], () =>
        computeCoverage(reads, c.flowId, c.range, needs),
      ),
    ),
    segmentCount: new DataLoader(async (ids) =>
      (await flows.loadMany(ids)).map((m) => (m instanceof Error ? m : (m?.segmentCount ?? null))),
    ),
    // One grouped aggregate for every flow of a response.
    totalDuration: new DataLoader((ids) =>
      cached.totalDuration.getMany(ids, 'total', (misses) => totalDurations(executor, misses)),
    ),
    // Three queries for every source of a response.
    sourceStats: new DataLoader((ids) => sourceStats(executor, ids)),
    now: options.now ?? (() => new Date()),
    caller,
    monitor: options.monitor,
    memo<T>(key: readonly unknown[], compute: () => Promise<T>): Promise<T> {
      const k = JSON.stringify(key, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
      let p = memos.get(k) as Promise<T> | undefined;
      if (!p) {
        p = compute();
        memos.set(k, p);
      }
      return p;
    },
  };
}
