import type { Table as ArrowTable } from 'apache-arrow';
import { ArrowRowConverter, arrowIpcStream } from '../arrow.js';
import type { ColumnName, InsertRow, TableName } from '../catalog/tables.js';
import { ExecutorError, InvalidQueryError } from '../errors.js';
import type { Predicate, ScalarValue } from '../predicate.js';
import { isIn } from '../predicate.js';
import type {
  DeleteOptions,
  ExecutorOps,
  AnyOrderTerm,
  OrderTerm,
  Page,
  Projected,
  RowOutcome,
  SelectQuery,
  SetValues,
  Transaction,
  UpsertOptions,
} from '../types.js';
import { MAX_PAGE_SIZE } from '../types.js';
import { encodeScalar } from './codec.js';
import {
  BATCH_COLUMN,
  checkLimit,
  compileCount,
  compileSelect,
  compileSelectBatch,
  MAX_BATCH_QUERIES,
  projection,
  rowDecoder,
  toPage,
} from './compile-select.js';
import type { RawRow } from './compile-select.js';
import {
  compileDelete,
  compileIncrement,
  compileUpdate,
  conflictClause,
  encodeInsertRow,
  encodeInsertRows,
  insertShape,
  returningList,
} from './compile-write.js';
import type { InsertShape } from './compile-write.js';
import type { SqlRunner } from './runner.js';
import { TableInfo } from './table-info.js';
import { isList } from './is-list.js';
import { outboxHead, pruneOutbox } from './outbox.js';
import type {
  AggregateQuery,
  AggregateRow,
  DistributionQuery,
  DistributionResult,
  GapsQuery,
  GapsResult,
  IntervalCounts,
  IntervalCountsQuery,
  TimelineBucket,
  TimelineBucketsQuery,
} from '../aggregates.js';
import { runAggregate, runDistribution } from './aggregate-ops.js';
import { runGaps, runIntervalCounts, runTimelineBuckets } from './timeline-ops.js';

const LOOKUP_CHUNK = 10_000;
const DEFAULT_STREAM_BATCH = 10_000;

type AnyRow = Record<string, unknown>;

/**
 * The executor operations, written once over a `SqlRunner`: both backends and both contexts (executor,
 * transaction) share this code, so they cannot drift apart.
 */
export class SqlOps implements ExecutorOps {
  constructor(protected readonly runner: SqlRunner) {}

  get backend() {
    return this.runner.dialect.name;
  }

  async select<T extends TableName, C extends ColumnName<T> = ColumnName<T>>(
    query: SelectQuery<T, C>,
  ): Promise<Page<Projected<T, C>>> {
    if (query.lock && !(this instanceof TransactionOps))
      throw new ExecutorError('MISUSE', 'locking rows only means something inside a transaction');
    const compiled = compileSelect(query, this.runner.dialect);
    const raw = await this.runner.all(compiled.sql, compiled.params);
    return toPage(compiled, raw, this.runner.dialect) as Page<Projected<T, C>>;
  }

  async selectBatch<T extends TableName, C extends ColumnName<T> = ColumnName<T>>(
    queries: readonly SelectQuery<T, C>[],
  ): Promise<Page<Projected<T, C>>[]> {
    const pages: Page<Projected<T, C>>[] = [];
    for (let i = 0; i < queries.length; i += MAX_BATCH_QUERIES) {
      const chunk = queries.slice(i, i + MAX_BATCH_QUERIES);
      // One query needs no tagging and numbering of rows: the plain statement is a third cheaper
      // (a REST window read is such a batch of one). Locks are refused below, as for any batch.
      if (chunk.length === 1 && isList(queries) && !chunk[0]!.lock) {
        pages.push(await this.select(chunk[0]!));
        continue;
      }
      const { sql, params, compiled } = compileSelectBatch(chunk, this.runner.dialect);
      const raw = await this.runner.all(sql, params);
      const byQuery = compiled.map((): RawRow[] => []);
      for (const row of raw) byQuery[Number(row[BATCH_COLUMN])]!.push(row);
      compiled.forEach((c, k) =>
        pages.push(toPage(c, byQuery[k]!, this.runner.dialect) as Page<Projected<T, C>>),
      );
    }
    return pages;
  }

  async selectArrow<T extends TableName, C extends ColumnName<T> = ColumnName<T>>(
    query: SelectQuery<T, C>,
  ): Promise<ArrowTable> {
    const table = TableInfo.of(query.table);
    const converter = new ArrowRowConverter(table, projection(table, query.columns));
    const page = await this.select(query);
    return converter.toTable(page.rows);
  }

  streamArrow<T extends TableName, C extends ColumnName<T> = ColumnName<T>>(
    query: Omit<SelectQuery<T, C>, 'limit' | 'after'> & { readonly batchSize?: number },
  ): AsyncIterable<Uint8Array> {
    const table = TableInfo.of(query.table);
    const converter = new ArrowRowConverter(table, projection(table, query.columns));
    const limit = checkLimit(query.batchSize ?? DEFAULT_STREAM_BATCH);
    const select = (after: string | undefined) => this.select({ ...query, limit, after });
    async function* pages(): AsyncGenerator<AnyRow[]> {
      let after: string | undefined;
      do {
        const page = await select(after);
        yield page.rows;
        after = page.nextPageKey ?? undefined;
      } while (after !== undefined);
    }
    return arrowIpcStream(converter, pages());
  }

  async count<T extends TableName>(table: T, where?: Predicate): Promise<number> {
    const { sql, params } = compileCount(table, where, this.runner.dialect);
    const rows = await this.runner.all(sql, params);
    return Number(rows[0]?.n ?? 0);
  }

  aggregate<T extends TableName>(query: AggregateQuery<T>): Promise<AggregateRow[]> {
    return runAggregate(this.runner, query as never);
  }

  distribution<T extends TableName>(query: DistributionQuery<T>): Promise<DistributionResult> {
    return runDistribution(this.runner, query);
  }

  gaps<T extends TableName>(query: GapsQuery<T>): Promise<GapsResult> {
    return runGaps(this.runner, query);
  }

  timelineBuckets<T extends TableName>(query: TimelineBucketsQuery<T>): Promise<TimelineBucket[]> {
    return runTimelineBuckets(this.runner, query);
  }

  intervalCounts<T extends TableName>(query: IntervalCountsQuery<T>): Promise<IntervalCounts[]> {
    return runIntervalCounts(this.runner, query as never);
  }

  async lookup<T extends TableName, C extends ColumnName<T> = ColumnName<T>>(
    tableName: T,
    keyColumn: ColumnName<T>,
    keys: readonly ScalarValue[],
    options?: { readonly columns?: readonly C[] },
  ): Promise<(Projected<T, C> | null)[]> {
    const table = TableInfo.of(tableName);
    if (!table.isUniqueKey(keyColumn))
      throw new InvalidQueryError(
        'INVALID_QUERY',
        `${table.name}.${keyColumn} is not a unique key; use lookupMany for one-to-many lookups`,
      );
    const groups = await this.fetchByKeys(table, keyColumn, keys, options?.columns, undefined);
    return keys.map(
      (k) => (groups.get(this.keyOf(table, keyColumn, k))?.[0] ?? null) as Projected<T, C> | null,
    );
  }

  async lookupMany<T extends TableName, C extends ColumnName<T> = ColumnName<T>>(
    tableName: T,
    column: ColumnName<T>,
    keys: readonly ScalarValue[],
    options?: { readonly columns?: readonly C[]; readonly orderBy?: readonly OrderTerm<T>[] },
  ): Promise<Projected<T, C>[][]> {
    const table = TableInfo.of(tableName);
    const groups = await this.fetchByKeys(table, column, keys, options?.columns, options?.orderBy);
    return keys.map((k) => (groups.get(this.keyOf(table, column, k)) ?? []) as Projected<T, C>[]);
  }

  /** Normalised map key of a lookup value, equal for the value given and the value read back. */
  private keyOf(table: TableInfo, column: string, value: unknown): string {
    const v = encodeScalar(table.name, column, table.column(column), value);
    return v instanceof Date ? `d${v.getTime()}` : `${typeof v}:${String(v)}`;
  }

  private async fetchByKeys(
    table: TableInfo,
    column: string,
    keys: readonly ScalarValue[],
    columns: readonly string[] | undefined,
    orderBy: readonly AnyOrderTerm[] | undefined,
  ): Promise<Map<string, AnyRow[]>> {
    if (!isList(keys)) throw new InvalidQueryError('INVALID_QUERY', 'keys must be an array');
    const unique = new Map<string, ScalarValue>();
    for (const k of keys) unique.set(this.keyOf(table, column, k), k);
    const wanted = projection(table, columns);
    const fetched = wanted.includes(column) ? wanted : [...wanted, column];
    const groups = new Map<string, AnyRow[]>();
    const values = [...unique.values()];
    for (let i = 0; i < values.length; i += LOOKUP_CHUNK) {
      const chunk = values.slice(i, i + LOOKUP_CHUNK);
      const page = await this.select({
        table: table.name as TableName,
        columns: fetched as never[],
        where: isIn(column, chunk),
        orderBy: orderBy as never,
        limit: MAX_PAGE_SIZE,
      });
      if (page.nextPageKey !== null)
        throw new InvalidQueryError(
          'INVALID_QUERY',
          `lookup of ${table.name} by ${column} matched more than ${MAX_PAGE_SIZE} rows; page through them instead`,
        );
      for (const row of page.rows as AnyRow[]) {
        const key = this.keyOf(table, column, row[column]);
        const out = wanted === fetched ? row : Object.fromEntries(wanted.map((c) => [c, row[c]]));
        const group = groups.get(key);
        if (group) group.push(out);
        else groups.set(key, [out]);
      }
    }
    return groups;
  }

  async insert<T extends TableName>(table: T, rows: readonly InsertRow<T>[]): Promise<number> {
    const physical = encodeInsertRows(table, rows);
    if (physical.rows.length === 0) return 0;
    return (await this.runner.insertRows(physical)).count;
  }

  async insertReturning<T extends TableName, C extends ColumnName<T>>(
    tableName: T,
    rows: readonly InsertRow<T>[],
    returning: readonly C[],
  ): Promise<Projected<T, C>[]> {
    const physical = encodeInsertRows(tableName, rows);
    const list = returningList(physical.table, returning);
    if (physical.rows.length === 0) return [];
    const { returned } = await this.runner.insertRows(physical, `RETURNING ${list}`);
    const decoder = rowDecoder(physical.table, returning, this.runner.dialect);
    return returned.map((r) => decoder.decode(r)) as Projected<T, C>[];
  }

  async insertEach<T extends TableName>(tableName: T, rows: readonly InsertRow<T>[]): Promise<RowOutcome[]> {
    // Validate each row on its own first: a bad value fails that row, not the batch.
    const outcomes: RowOutcome[] = [];
    let insert: InsertShape;
    try {
      insert = insertShape(tableName);
    } catch (error) {
      if (!(error instanceof ExecutorError)) throw error;
      return rows.map(() => ({ ok: false, error }));
    }
    const valid: { index: number; values: readonly unknown[] }[] = [];
    rows.forEach((row, index) => {
      try {
        valid.push({ index, values: encodeInsertRow(insert, row) });
        outcomes[index] = { ok: true };
      } catch (error) {
        if (!(error instanceof ExecutorError)) throw error;
        outcomes[index] = { ok: false, error };
      }
    });
    if (valid.length === 0) return outcomes;
    const shape = { table: insert.table, columns: insert.columns };
    await this.runner.inTransaction(async (tx) => {
      if (tx.insertEachRow) {
        const failures = await tx.insertEachRow({ ...shape, rows: valid.map((v) => v.values) });
        failures.forEach((error, k) => {
          if (error) outcomes[valid[k]!.index] = { ok: false, error };
        });
        return;
      }
      try {
        // Usual case: every row goes in with one bulk statement.
        await tx.savepoint(() => tx.insertRows({ ...shape, rows: valid.map((v) => v.values) }));
        return;
      } catch (error) {
        if (!(error instanceof ExecutorError) || error.retryable) throw error;
      }
      for (const v of valid) {
        try {
          await tx.savepoint(() => tx.insertRows({ ...shape, rows: [v.values] }));
        } catch (error) {
          if (!(error instanceof ExecutorError) || error.retryable) throw error;
          outcomes[v.index] = { ok: false, error };
        }
      }
    });
    return outcomes;
  }

  async upsert<T extends TableName>(
    tableName: T,
    rows: readonly InsertRow<T>[],
    options: UpsertOptions<T>,
  ): Promise<number> {
    const physical = encodeInsertRows(tableName, rows);
    const clause = conflictClause(physical.table, options);
    if (physical.rows.length === 0) return 0;
    return (await this.runner.insertRows(physical, clause)).count;
  }

  async update<T extends TableName>(tableName: T, where: Predicate, set: SetValues<T>): Promise<number> {
    const { sql, params } = compileUpdate(tableName, where, set, this.runner.dialect);
    return this.runner.write(sql, params, tableName);
  }

  async increment<T extends TableName>(
    tableName: T,
    where: Predicate,
    deltas: Partial<Record<ColumnName<T>, number | bigint>>,
  ): Promise<number> {
    const { sql, params } = compileIncrement(tableName, where, deltas, this.runner.dialect);
    return this.runner.write(sql, params, tableName);
  }

  async delete<T extends TableName>(
    tableName: T,
    where: Predicate,
    options?: DeleteOptions<T>,
  ): Promise<number> {
    const { sql, params } = compileDelete(tableName, where, options, undefined, this.runner.dialect);
    return this.runner.write(sql, params, tableName);
  }

  outboxHead(): Promise<bigint> {
    return outboxHead(this.runner);
  }

  pruneOutbox(throughPosition: bigint, olderThan: Date, limit: number): Promise<number> {
    return pruneOutbox(this.runner, throughPosition, olderThan, limit);
  }

  async deleteReturning<T extends TableName, C extends ColumnName<T>>(
    tableName: T,
    where: Predicate,
    returning: readonly C[],
    options?: DeleteOptions<T>,
  ): Promise<Projected<T, C>[]> {
    const { sql, params, table } = compileDelete(tableName, where, options, returning, this.runner.dialect);
    const rows = await this.runner.writeReturning(sql, params, tableName);
    const decoder = rowDecoder(table, returning, this.runner.dialect);
    return rows.map((r) => decoder.decode(r)) as Projected<T, C>[];
  }
}

/** The operations bound to one open transaction. */
export class TransactionOps extends SqlOps implements Transaction {
  async savepoint<R>(fn: (tx: Transaction) => Promise<R>): Promise<R> {
    return this.runner.savepoint(() => fn(this));
  }
}
