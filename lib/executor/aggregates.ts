import type { TimeRange } from '../tams/index.js';
import type { ColumnName, TableName } from './catalog/tables.js';
import type { Predicate, ScalarValue } from './predicate.js';

/**
 * Aggregate reads: statistics computed by the database (counts, sums, extremes, ranks, window functions),
 * so that callers never pull a large table's rows into JS to summarise them. Every one is bounded: group
 * counts, bucket counts, percentile lists and result lists have caps (below), and the scans are pushed
 * down to the same predicates and indexes as `select`.
 */

/**
 * A numeric value of a row. `column`: an int/bigint/timestamp column. `start`/`end`: a bounded timerange
 * column's bound in TAI nanoseconds. `duration`: end − start in nanoseconds, optionally after clipping the
 * range to `clip` (its bounded sides), which is how coverage of a window is summed.
 */
export type NumericExpr =
  | { readonly kind: 'column'; readonly column: string }
  | { readonly kind: 'start'; readonly column: string }
  | { readonly kind: 'end'; readonly column: string }
  | { readonly kind: 'duration'; readonly column: string; readonly clip?: TimeRange };

export type AggregateFn = 'count' | 'sum' | 'min' | 'max' | 'avg';

/** `count` counts rows (no `of`); the others fold `of` over the rows, ignoring NULLs. */
export type Measure =
  { readonly fn: 'count' } | { readonly fn: 'sum' | 'min' | 'max' | 'avg'; readonly of: NumericExpr };

export interface AggregateQuery<T extends TableName = TableName> {
  readonly table: T;
  readonly where?: Predicate;
  /** Scalar columns to group by (text, uuid, int, bigint, bool, datetime); one result row per group. */
  readonly groupBy?: readonly ColumnName<T>[];
  /** Output name → measure. Names are plain identifiers. */
  readonly measures: Readonly<Record<string, Measure>>;
  /** At most this many groups (1..MAX_AGGREGATE_GROUPS); more is an INVALID_QUERY error, not a cut. */
  readonly maxGroups?: number;
}

/**
 * One group. `count`, `sum`, `min` and `max` are exact integers (bigint); `avg` is a number. An empty
 * group (no rows, no groupBy) has count 0n and null for the others.
 */
export interface AggregateRow {
  readonly group: Readonly<Record<string, unknown>>;
  readonly values: Readonly<Record<string, bigint | number | null>>;
}

export interface DistributionQuery<T extends TableName = TableName> {
  readonly table: T;
  readonly where?: Predicate;
  readonly of: NumericExpr;
  /**
   * An int/bigint column: each row's value counts that many times (rows of weight 0 or NULL count not at
   * all). For a table of (value, count) summaries, e.g. `segment_durations`.
   */
  readonly weight?: string;
  /** Fractions in [0, 1]; each answered by linear interpolation between closest ranks (numpy default). */
  readonly percentiles?: readonly number[];
  /** Equal-width bins from min to max, the last one closed (numpy.histogram). */
  readonly bins?: number;
  /**
   * Up to this many distinct values (default 10,000; 0 = never) the distribution is computed exactly
   * from the values' counts, read in one grouped pass; beyond, in SQL (summary pass, rank sort or
   * percentile_cont, histogram pass). Same answers either way.
   */
  readonly exactDistinctLimit?: number;
}

export interface DistributionSummary {
  readonly count: number;
  readonly min: bigint | null;
  readonly max: bigint | null;
  readonly mean: number | null;
  /** Population standard deviation (divides by n), computed in two passes for accuracy. */
  readonly stddev: number | null;
}

export interface DistributionResult extends DistributionSummary {
  /** In the order asked; value null when there are no rows. */
  readonly percentiles: readonly { readonly p: number; readonly value: number | null }[];
  /** Empty when there are no rows; one bin [min, min] holding all rows when min = max. */
  readonly histogram: readonly { readonly lower: number; readonly upper: number; readonly count: number }[];
}

/** Gaps of one partition of a timeline table (e.g. one flow's segments) inside a bounded window. */
export interface GapsQuery<T extends TableName = TableName> {
  readonly table: T;
  readonly partition: ScalarValue;
  /** Non-empty and bounded on both sides. */
  readonly window: TimeRange;
  /** Only gaps at least this long (nanoseconds; default 0: every uncovered point counts). */
  readonly minDuration?: bigint;
  /** Gaps returned (0..MAX_GAPS); `count` counts them all. */
  readonly limit: number;
}

export interface GapsResult {
  /** All gaps in the window meeting `minDuration`, including the window's edges. */
  readonly count: number;
  /** The first `limit` of them, in time order, with exact markers. */
  readonly gaps: readonly TimeRange[];
}

/** Equal-width buckets over a bounded window of one partition of a timeline table. */
export interface TimelineBucketsQuery<T extends TableName = TableName> {
  readonly table: T;
  readonly partition: ScalarValue;
  readonly window: TimeRange;
  /** 1..MAX_BUCKETS. */
  readonly buckets: number;
}

export interface TimelineBucket {
  readonly range: TimeRange;
  /** Rows overlapping the bucket (a row spanning a boundary counts in both buckets). */
  readonly count: number;
  /** Nanoseconds of the bucket the rows cover. */
  readonly covered: bigint;
}

/** Rows per fixed interval of a datetime column: a time series (e.g. segments registered per minute). */
export interface IntervalCountsQuery<T extends TableName = TableName> {
  readonly table: T;
  readonly where?: Predicate;
  /** A datetime column. */
  readonly column: ColumnName<T>;
  /** Start of the first interval. */
  readonly from: Date;
  /** Interval length in whole milliseconds (≥ 1). */
  readonly intervalMs: number;
  /** Number of intervals (1..MAX_BUCKETS): the series covers [from, from + intervals × intervalMs). */
  readonly intervals: number;
  /** Optional column to split the series by (one series per value present, e.g. per flow). */
  readonly partitionBy?: ColumnName<T>;
}

export interface IntervalCounts {
  /** The `partitionBy` value, or null without one. */
  readonly partition: unknown;
  /** One count per interval, in time order. */
  readonly counts: readonly number[];
}

export const MAX_AGGREGATE_GROUPS = 100_000;
export const MAX_PERCENTILES = 100;
export const MAX_BINS = 1000;
export const MAX_BUCKETS = 10_000;
export const MAX_GAPS = 10_000;
export const DEFAULT_EXACT_DISTINCT = 10_000;
export const MAX_EXACT_DISTINCT = 100_000;

/** The aggregate operations every backend provides (part of ExecutorOps). */
export interface AggregateOps {
  aggregate<T extends TableName>(query: AggregateQuery<T>): Promise<AggregateRow[]>;
  distribution<T extends TableName>(query: DistributionQuery<T>): Promise<DistributionResult>;
  gaps<T extends TableName>(query: GapsQuery<T>): Promise<GapsResult>;
  timelineBuckets<T extends TableName>(query: TimelineBucketsQuery<T>): Promise<TimelineBucket[]>;
  intervalCounts<T extends TableName>(query: IntervalCountsQuery<T>): Promise<IntervalCounts[]>;
}
