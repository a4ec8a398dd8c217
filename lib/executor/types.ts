import type { Table as ArrowTable } from 'apache-arrow';
import type { AggregateOps } from './aggregates.js';
import type { ColumnName, InsertRow, Row, TableName } from './catalog/tables.js';
import type { ExecutorError } from './errors.js';
import type { Predicate, ScalarValue } from './predicate.js';

/** The public surface of the query executor: the only code that talks to a database. */

export type BackendName = 'sqlite' | 'postgres';

export interface OrderTerm<T extends TableName = TableName> {
  readonly column: ColumnName<T>;
  readonly direction?: 'asc' | 'desc';
}

/** An order term as the compiler sees it (column names are checked at run time). */
export interface AnyOrderTerm {
  readonly column: string;
  readonly direction?: 'asc' | 'desc';
}

export interface SelectQuery<T extends TableName, C extends ColumnName<T> = ColumnName<T>> {
  readonly table: T;
  /** Projection; all columns when omitted. */
  readonly columns?: readonly C[];
  readonly where?: Predicate;
  /**
   * Sort order. The primary key is appended as a tie-break (minus columns an `eq` fixes), so the order is
   * total and keyset paging is exact. Sorting by a `timerange` column sorts by its start in timeline order.
   */
  readonly orderBy?: readonly OrderTerm<T>[];
  /** Rows per page: 1..MAX_PAGE_SIZE. Every read is bounded. */
  readonly limit: number;
  /** The `nextPageKey` of the previous page; the first page when omitted or null. */
  readonly after?: string | null;
  /**
   * Lock the selected rows until the transaction ends (PostgreSQL `FOR UPDATE`; SQLite transactions
   * already exclude other writers). Only inside a transaction.
   */
  readonly lock?: boolean;
}

export interface Page<R> {
  readonly rows: R[];
  /** Opaque key of the next page; null on the last page. */
  readonly nextPageKey: string | null;
}

export type Projected<T extends TableName, C extends ColumnName<T>> = Pick<Row<T>, C>;

export interface DeleteOptions<T extends TableName> {
  /** Delete at most this many rows (in `orderBy` order), so huge deletions can run in batches. */
  readonly limit?: number;
  readonly orderBy?: readonly OrderTerm<T>[];
}

export interface UpsertOptions<T extends TableName> {
  /** The unique key that identifies an existing row. */
  readonly conflict: readonly ColumnName<T>[];
  /** Columns overwritten from the new row when it exists; none means "insert if absent". */
  readonly update?: readonly ColumnName<T>[];
  /** Numeric columns increased by the new row's value when it exists (reference counts). */
  readonly increment?: readonly ColumnName<T>[];
}

export type RowOutcome = { readonly ok: true } | { readonly ok: false; readonly error: ExecutorError };

export type SetValues<T extends TableName> = Partial<Row<T>>;

/** Operations available both on the executor and inside a transaction. */
export interface ExecutorOps extends AggregateOps {
  readonly backend: BackendName;

  select<T extends TableName, C extends ColumnName<T> = ColumnName<T>>(
    query: SelectQuery<T, C>,
  ): Promise<Page<Projected<T, C>>>;

  /**
   * Several selects in one round trip, one page each, in query order. All must read the same table with
   * the same columns and sort keys (directions, predicates, limits and page keys may differ). For
   * DataLoader: e.g. the first page of segments of every flow in a response.
   */
  selectBatch<T extends TableName, C extends ColumnName<T> = ColumnName<T>>(
    queries: readonly SelectQuery<T, C>[],
  ): Promise<Page<Projected<T, C>>[]>;

  /** The same query as `select`, as an Arrow table (timestamps as Int64 nanoseconds). */
  selectArrow<T extends TableName, C extends ColumnName<T> = ColumnName<T>>(
    query: SelectQuery<T, C>,
  ): Promise<ArrowTable>;

  /**
   * Streams every row matching `where` in `orderBy` order as an Arrow IPC stream, reading in keyset
   * batches of `batchSize` rows, so a scan of millions of rows holds one batch in memory at a time.
   */
  streamArrow<T extends TableName, C extends ColumnName<T> = ColumnName<T>>(
    query: Omit<SelectQuery<T, C>, 'limit' | 'after'> & { readonly batchSize?: number },
  ): AsyncIterable<Uint8Array>;

  count<T extends TableName>(table: T, where?: Predicate): Promise<number>;

  /**
   * Batch lookup for DataLoader: one query for N keys of a unique column, results in key order, a miss
   * is null. Duplicate keys are allowed and get the same row.
   */
  lookup<T extends TableName, C extends ColumnName<T> = ColumnName<T>>(
    table: T,
    keyColumn: ColumnName<T>,
    keys: readonly ScalarValue[],
    options?: { readonly columns?: readonly C[] },
  ): Promise<(Projected<T, C> | null)[]>;

  /** One-to-many batch lookup: all rows whose `column` equals each key, grouped in key order. */
  lookupMany<T extends TableName, C extends ColumnName<T> = ColumnName<T>>(
    table: T,
    column: ColumnName<T>,
    keys: readonly ScalarValue[],
    options?: { readonly columns?: readonly C[]; readonly orderBy?: readonly OrderTerm<T>[] },
  ): Promise<Projected<T, C>[][]>;

  /** Inserts all rows or none. */
  insert<T extends TableName>(table: T, rows: readonly InsertRow<T>[]): Promise<number>;

  /** Inserts and returns the requested columns of the new rows (e.g. generated sequence numbers). */
  insertReturning<T extends TableName, C extends ColumnName<T>>(
    table: T,
    rows: readonly InsertRow<T>[],
    returning: readonly C[],
  ): Promise<Projected<T, C>[]>;

  /**
   * Inserts each row independently: a row that fails (overlap, duplicate, bad value) does not stop the
   * others. Used for TAMS bulk segment registration, which is not atomic.
   */
  insertEach<T extends TableName>(table: T, rows: readonly InsertRow<T>[]): Promise<RowOutcome[]>;

  upsert<T extends TableName>(
    table: T,
    rows: readonly InsertRow<T>[],
    options: UpsertOptions<T>,
  ): Promise<number>;

  update<T extends TableName>(table: T, where: Predicate, set: SetValues<T>): Promise<number>;

  /** Adds `deltas` (which may be negative) to numeric columns of the matching rows, in place. */
  increment<T extends TableName>(
    table: T,
    where: Predicate,
    deltas: Partial<Record<ColumnName<T>, number | bigint>>,
  ): Promise<number>;

  delete<T extends TableName>(table: T, where: Predicate, options?: DeleteOptions<T>): Promise<number>;

  /**
   * The newest outbox position (0n when none), after giving positions to every event committed so far:
   * a consumer starting there gets the events committed from now on, not the history. On PostgreSQL it
   * writes (the release, docs/decisions.md §8); in a transaction, the release lock is then held until
   * the transaction ends, so keep such transactions short.
   */
  outboxHead(): Promise<bigint>;

  /**
   * Deletes at most `limit` events that every consumer is past (position ≤ `throughPosition`) and that
   * are older than `olderThan`, oldest first; resolves to how many. Never the newest event (positions
   * continue from it). For the outbox's retention (lib/events/outbox-pruner.ts).
   */
  pruneOutbox(throughPosition: bigint, olderThan: Date, limit: number): Promise<number>;

  /** Deletes and returns the requested columns of the deleted rows. */
  deleteReturning<T extends TableName, C extends ColumnName<T>>(
    table: T,
    where: Predicate,
    returning: readonly C[],
    options?: DeleteOptions<T>,
  ): Promise<Projected<T, C>[]>;
}

/** An outbox row as `readOutbox` returns it, with its place in commit order. */
export type OutboxEvent = Row<'event_outbox'> & { readonly position: bigint };

export interface Transaction extends ExecutorOps {
  /** Runs `fn` in a savepoint; a throw rolls back only the savepoint's work. */
  savepoint<R>(fn: (tx: Transaction) => Promise<R>): Promise<R>;
}

export interface Executor extends ExecutorOps {
  /**
   * Runs `fn` in one transaction: commits when it resolves, rolls back when it throws. Segment writes
   * run at READ COMMITTED on PostgreSQL (the overlap guard relies on it) and BEGIN IMMEDIATE on SQLite.
   */
  transaction<R>(fn: (tx: Transaction) => Promise<R>): Promise<R>;

  /**
   * Committed outbox events after `afterPosition` in commit order, at most `limit`. Each has a
   * `position`; a consumer that stores the last position it handled and reads on from there sees every
   * committed event exactly once, also when transactions commit out of seq order (docs/decisions.md §8).
   * Start from 0n, or from `outboxHead()` to skip history. May write (PostgreSQL numbers newly committed
   * rows), so call it outside transactions.
   */
  readOutbox(afterPosition: bigint, limit: number): Promise<OutboxEvent[]>;

  /** The schema version the database is at after migrations. */
  schemaVersion(): Promise<number>;

  /**
   * Where the backend can tell cheaply (SQLite): a number that changes whenever another process has
   * committed to the database, and never for this executor's own writes. Lets a process-local cache
   * stay coherent with writers it does not hear from (lib/cache/watched-store.ts).
   */
  changeVersion?(): number;

  /** Backend-specific query plan of a select, for tests that check index use. */
  explain<T extends TableName>(query: SelectQuery<T>): Promise<string>;

  close(): Promise<void>;
}

/** The most rows one page may hold. Larger reads go through `streamArrow`. */
export const MAX_PAGE_SIZE = 100_000;
