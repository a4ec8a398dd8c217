import { InvalidQueryError } from '../errors.js';
import type { BackendName } from '../types.js';

/**
 * The physical kinds values take in SQL parameters and result rows. Each logical column type maps onto one
 * or more of these (a timerange is int8, bool, int8, bool).
 */
export type PhysicalKind = 'uuid' | 'text' | 'int8' | 'bool' | 'datetime' | 'json';

/** What differs between SQL backends, kept as small as the compiler allows. */
export interface Dialect {
  readonly name: BackendName;
  /** The placeholder of the n-th (1-based) parameter. */
  placeholder(n: number): string;
  /** Converts a validated JS value of a physical kind into the driver's parameter value. */
  toParam(kind: PhysicalKind, value: unknown): unknown;
  /** Converts a driver result value back to the JS value of the physical kind (null stays null). */
  fromResult(kind: PhysicalKind, value: unknown): unknown;
  /** Appended to a SELECT that locks its rows ('' where transactions already serialise writers). */
  readonly lockClause: string;
  /** SQL literal for a boolean flag, e.g. inside generated conditions. */
  readonly trueLiteral: string;
  /** `column IN (...)` for a list of already converted parameter values. */
  inList(
    column: string,
    kind: PhysicalKind,
    values: readonly unknown[],
    param: (v: unknown) => string,
  ): string;
  /** A `tags` column holds tag `name` with value `value`. */
  tagEquals(column: string, nameParam: string, valueParam: string): string;
  /** A `tags` column holds tag `name`. */
  tagExists(column: string, nameParam: string): string;
  /** How consumers page through the outbox in commit order (docs/decisions.md §8). */
  readonly outbox: OutboxOrder;
  /** Aggregate reads (sql/aggregate-ops.ts): the few expressions whose spelling differs. */
  readonly aggregates: AggregateDialect;
}

export interface AggregateDialect {
  /** The smaller / larger of two int8 expressions (LEAST/GREATEST; SQLite's scalar min/max). */
  least(a: string, b: string): string;
  greatest(a: string, b: string): string;
  /** A datetime column as int8 epoch milliseconds. */
  epochMs(column: string): string;
  /** floor(num × factor / den) as int8 for non-negative int8 operands, exact even where num × factor overflows int8. */
  scaledIndex(num: string, factor: string, den: string): string;
  /** An expression as double precision, so averages and variances are computed in floating point. */
  float(expr: string): string;
  /**
   * Population variance of `x` as one aggregate (one pass). `shift` is a value near the data (e.g. the
   * first one): where the backend has no stable built-in, the variance is taken of x − shift, so that
   * E[y²] − E[y]² does not cancel catastrophically on large values close together (nanoseconds).
   */
  variance(x: string, shift: string): string;
  /**
   * An ordered-set aggregate giving the array of linear percentiles of `x` at the fractions (a literal
   * list), where the backend has one (PostgreSQL's percentile_cont); null: computed from ranks instead.
   */
  readonly percentileCont: ((x: string, fractions: readonly number[]) => string) | null;
}

export interface OutboxOrder {
  /** The `event_outbox` column holding a row's position; NULL (PostgreSQL) until the row is released. */
  readonly position: string;
  /**
   * How committed rows get positions, when seq order is not already commit order. The releaser's lock
   * is held until its transaction ends: `tryLock` returns one row whose `ok` says whether it was
   * granted, `lock` waits for it. `release(batchParam)` then numbers up to that many committed,
   * unreleased rows after the highest position.
   */
  readonly release: {
    readonly tryLock: string;
    readonly lock: string;
    release(batchParam: string): string;
  } | null;
}

/** Double-quoted identifier. Identifiers only ever come from the catalog, quoting is belt and braces. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * A LIMIT clause with its count written into the text, never a bound parameter: SQLite (3.53 here) lets
 * the planner read a bound LIMIT, and then marks the statement expired whenever that parameter is bound
 * again, so every run of a cached statement with `LIMIT ?` was parsed and planned anew (3× the CPU of a
 * one-row lookup by key; docs/decisions.md §57). A literal keeps the cached plan; the texts differ only by
 * the counts callers use, and the query monitor's shapes fold them together.
 */
export function limitClause(count: number): string {
  if (!Number.isSafeInteger(count) || count < 0)
    throw new InvalidQueryError('INVALID_QUERY', `a LIMIT must be a whole number >= 0, got ${String(count)}`);
  return `LIMIT ${count}`;
}

/** Collects positional parameters while SQL text is being built. */
export class Params {
  readonly values: unknown[] = [];
  constructor(private readonly dialect: Dialect) {}

  add(value: unknown): string {
    this.values.push(value);
    return this.dialect.placeholder(this.values.length);
  }
}
