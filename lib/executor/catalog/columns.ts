import type { TimeRange } from '../../tams/index.js';

/**
 * Logical column types. The catalog speaks these; each backend maps them to physical columns.
 *
 * - `uuid`, `text`: strings (uuid is lowercase, as TAMS 7.0 requires).
 * - `int`: a JS number holding a safe integer, stored as a 64-bit integer.
 * - `bigint`, `timestamp`: JS bigint, stored as a 64-bit integer. `timestamp` is TAI nanoseconds.
 * - `bool`: boolean. `datetime`: a JS Date (UTC, millisecond precision) for created/updated metadata.
 * - `json`: any JSON value. `tags`: a TAMS 7.0 tag map (string → string), filterable by name and value.
 * - `timerange`: a TAMS TimeRange, stored as four physical columns (see `timerangeColumns`) so that
 *   overlap and containment compile to index-friendly comparisons on bigint nanoseconds.
 */
export type ColumnType =
  'uuid' | 'text' | 'int' | 'bigint' | 'timestamp' | 'bool' | 'datetime' | 'json' | 'tags' | 'timerange';

export interface ColumnSpec {
  readonly type: ColumnType;
  /** The column may hold NULL. For `timerange` columns this means the range may be EMPTY (`()`). */
  readonly nullable?: boolean;
  /** Filled by the database (an identity/sequence, or triggers from another table); never written by callers. */
  readonly generated?: boolean;
  /** The value inserted when a row omits the column. */
  readonly default?: DefaultValue;
  /** `timerange` only: both bounds are always finite (segments, flow timeranges). */
  readonly bounded?: boolean;
}

export type DefaultValue =
  | { readonly kind: 'literal'; readonly value: string | number | bigint | boolean | null }
  | { readonly kind: 'emptyTimeRange' };

/** The JS type a column's values have when read. */
export type ColumnValue<C extends ColumnSpec> =
  BaseValue<C['type']> | (C['type'] extends 'timerange' ? never : C['nullable'] extends true ? null : never);

type BaseValue<T extends ColumnType> = T extends 'uuid' | 'text'
  ? string
  : T extends 'int'
    ? number
    : T extends 'bigint' | 'timestamp'
      ? bigint
      : T extends 'bool'
        ? boolean
        : T extends 'datetime'
          ? Date
          : T extends 'json'
            ? unknown
            : T extends 'tags'
              ? Readonly<Record<string, string>>
              : T extends 'timerange'
                ? TimeRange
                : never;

/** Types that have a total order and can be used in `range` predicates, ORDER BY and page keys. */
export const ORDERABLE_TYPES: ReadonlySet<ColumnType> = new Set([
  'uuid',
  'text',
  'int',
  'bigint',
  'timestamp',
  'bool',
  'datetime',
]);

/** Types that can be compared for equality (`eq`, `in`) and looked up by key. */
export const EQUATABLE_TYPES: ReadonlySet<ColumnType> = ORDERABLE_TYPES;

/** Physical column names of a logical `timerange` column. */
export interface TimerangeColumns {
  /** Start in TAI ns; NULL = unbounded (or EMPTY when `startOpen` is NULL too). */
  readonly start: string;
  /** 1 when the start is exclusive `(`; NULL marks an EMPTY range. Ascending (start, startOpen) is timeline order. */
  readonly startOpen: string;
  readonly end: string;
  /** 1 when the end is inclusive `]`. Ascending (end, endClosed) is timeline order of ends. */
  readonly endClosed: string;
}

export function timerangeColumns(column: string): TimerangeColumns {
  return {
    start: `${column}_start`,
    startOpen: `${column}_start_open`,
    end: `${column}_end`,
    endClosed: `${column}_end_closed`,
  };
}

/** Physical columns a logical column occupies, in a fixed order. */
export function physicalColumns(column: string, spec: ColumnSpec): readonly string[] {
  if (spec.type !== 'timerange') return [column];
  const t = timerangeColumns(column);
  return [t.start, t.startOpen, t.end, t.endClosed];
}
