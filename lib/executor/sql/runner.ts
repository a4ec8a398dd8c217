import type { RawRow } from './compile-select.js';
import type { PhysicalRows } from './compile-write.js';
import type { Dialect } from './dialect.js';
import type { ExecutorError } from '../errors.js';

/**
 * What a backend must provide so the shared executor operations (`SqlOps`) can run on it. A runner is
 * bound either to the executor (reads may use any connection; each write is its own transaction) or to
 * one open transaction (everything on that transaction's connection).
 */
export interface SqlRunner {
  readonly dialect: Dialect;
  /** Rows of a read-only statement. */
  all(sql: string, params: readonly unknown[]): Promise<RawRow[]>;
  /** Rows of a writing statement with RETURNING (runs as a write). */
  writeReturning(sql: string, params: readonly unknown[], table: string): Promise<RawRow[]>;
  /** Runs a writing statement; resolves to the number of rows changed. */
  write(sql: string, params: readonly unknown[], table: string): Promise<number>;
  /**
   * Inserts physical rows with the backend's bulk path. `suffix` is appended to the INSERT (an ON CONFLICT
   * or RETURNING clause). Resolves to the rows changed, and the returned rows when `suffix` has RETURNING.
   */
  insertRows(rows: PhysicalRows, suffix?: string): Promise<{ count: number; returned: RawRow[] }>;
  /**
   * Inserts each row as a statement of its own, in order, in the open transaction: a row refused (a
   * non-retryable executor error) is reported at its index and leaves nothing behind, the others go in.
   * Only for backends whose failed statement undoes itself and leaves the transaction usable (SQLite:
   * a statement that aborts is rolled back alone), so no savepoint is needed; without it, `insertEach`
   * runs the batch in a savepoint and falls back to one savepoint per row. Rejects when the transaction
   * itself failed.
   */
  insertEachRow?(rows: PhysicalRows): Promise<(ExecutorError | undefined)[]>;
  /** Runs `fn` inside a transaction (opening one if this runner is not already in one). */
  inTransaction<R>(fn: (tx: SqlRunner) => Promise<R>): Promise<R>;
  /** Runs `fn` in a savepoint of the current transaction (only valid on a transaction runner). */
  savepoint<R>(fn: () => Promise<R>): Promise<R>;
  /** The backend's query plan for a statement. */
  explain(sql: string, params: readonly unknown[]): Promise<string>;
}
