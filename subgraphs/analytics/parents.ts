import type { QueryMonitor } from '../../lib/executor/index.js';
import type { TimeRange } from '../../lib/tams/index.js';
import type { SeriesPointValue } from './series.js';

/** A flow as the analytics subgraph sees it: only its key (the media subgraph owns the entity). */
export interface FlowRef {
  readonly id: string;
}

/** Stats are computed lazily per field, from the flow they belong to. */
export interface FlowStatsParent {
  readonly flowId: string;
}

/** Coverage of a flow over the `timerange` argument (undefined: the whole flow); fields load lazily. */
export interface CoverageParent {
  readonly flowId: string;
  readonly range: TimeRange | undefined;
}

/**
 * A distribution, of a flow's segment durations over the `timerange` argument, or of the stored objects'
 * sizes (of one storage backend or all); each field is its own (memoised) read.
 */
export type DistributionParent =
  | { readonly kind: 'durations'; readonly flowId: string; readonly range: TimeRange | undefined }
  | { readonly kind: 'objectSizes'; readonly storageId: string | undefined };

export interface SourceRef {
  readonly id: string;
}

export interface SourceStatsParent {
  readonly sourceId: string;
}

/** Query.analytics: nothing of its own; each field reads the store. */
export type StoreAnalyticsParent = Record<string, never>;
/** `totals` computes its fields on demand (each memoised per request). */
export type StoreTotalsParent = Record<string, never>;

export interface StorageUsageParent {
  readonly storageId: string | undefined;
}

/** A computed series: the points are read once, trend and anomalies derive from them. */
export interface TimeSeriesParent {
  readonly points: readonly SeriesPointValue[];
}

/** analytics.queryPerformance, after its admin check: the process's query monitor. */
export interface QueryPerformanceParent {
  readonly monitor: QueryMonitor | undefined;
}
