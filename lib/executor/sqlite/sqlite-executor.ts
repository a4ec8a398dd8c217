import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Mutex } from 'async-mutex';
import { ExecutorError } from '../errors.js';
import { pendingMigrations } from '../migrations.js';
import type { RawRow } from '../sql/compile-select.js';
import { compileSelect } from '../sql/compile-select.js';
import type { PhysicalRows } from '../sql/compile-write.js';
import { quoteIdent } from '../sql/dialect.js';
import { readOutbox } from '../sql/outbox.js';
import type { SqlRunner } from '../sql/runner.js';
import { SqlOps, TransactionOps } from '../sql/sql-ops.js';
import { monitored } from '../sql/monitored-runner.js';
import type { QueryMonitor } from '../query-monitor.js';
import {
  assertOutsideOwnTransaction,
  runInTransactionContext,
  transactionFinishedError,
} from '../transaction-context.js';
import type { Executor, OutboxEvent, SelectQuery, Transaction } from '../types.js';
import type { TableName } from '../catalog/tables.js';
import type { SqliteSynchronous } from './sqlite-connection.js';
import { SqliteConnection } from './sqlite-connection.js';
import { sqliteDialect } from './sqlite-dialect.js';
import { mapSqliteError } from './sqlite-errors.js';
import { sqliteMigrations } from './sqlite-migrations.js';

export interface SqliteExecutorOptions {
  /** Told about every statement (duration, rows, shape): the query performance monitor. */
  readonly monitor?: QueryMonitor;
  /** Database file (created with its directory when missing). */
  readonly path: string;
  /** FULL (default): durable at every commit, also across power loss. NORMAL: durable across process crashes. */
  readonly synchronous?: SqliteSynchronous;
  /** How long a writer waits for another process's write lock before a CONFLICT error. */
  readonly busyTimeoutMs?: number;
}

/** The one-row INSERT statement of `physical` (prepared once per text), and how to bind a row to it. */
function insertStatement(conn: SqliteConnection, physical: PhysicalRows, suffix?: string) {
  const cols = physical.columns.map((c) => quoteIdent(c.name));
  const sql =
    `INSERT INTO ${quoteIdent(physical.table.name)} (${cols.join(', ')}) ` +
    `VALUES (${cols.map(() => '?').join(', ')})${suffix ? ` ${suffix}` : ''}`;
  const kinds = physical.columns.map((c) => c.kind);
  return {
    stmt: conn.prepare(sql),
    params: (row: readonly unknown[]) => row.map((v, i) => sqliteDialect.toParam(kinds[i]!, v)),
  };
}

function insertPhysical(conn: SqliteConnection, physical: PhysicalRows, suffix?: string) {
  try {
    const { stmt, params: paramsOf } = insertStatement(conn, physical, suffix);
    let count = 0;
    const returned: RawRow[] = [];
    for (const row of physical.rows) {
      const params = paramsOf(row);
      if (stmt.reader) {
        const rows = stmt.all(...params) as RawRow[];
        returned.push(...rows);
        count += rows.length;
      } else {
        count += stmt.run(...params).changes;
      }
    }
    return { count, returned };
  } catch (e) {
    throw mapSqliteError(e, physical.table.name);
  }
}

function explainOn(conn: SqliteConnection, sql: string, params: readonly unknown[]): string {
  const rows = conn.all(`EXPLAIN QUERY PLAN ${sql}`, params);
  return rows.map((r) => String(r.detail)).join('\n');
}

/**
 * The connections of one SQLite database and the lock that serialises its writers. All writes go through
 * one connection, serialised by an async lock and wrapped in BEGIN IMMEDIATE transactions (so other
 * processes on the same file are serialised by SQLite's own lock); reads outside transactions use a
 * second, read-only connection and never wait for writers.
 */
class SqliteDatabase {
  private readonly lock = new Mutex();
  closed = false;

  constructor(
    readonly writer: SqliteConnection,
    readonly reader: SqliteConnection,
  ) {}

  assertOpen(): void {
    if (this.closed) throw new ExecutorError('MISUSE', 'the executor has been closed');
  }

  /** One synchronous unit of writes as its own transaction. */
  writeTx<R>(fn: (conn: SqliteConnection) => R): Promise<R> {
    this.assertOpen();
    assertOutsideOwnTransaction(this);
    return this.lock.runExclusive(() => {
      this.writer.exec('BEGIN IMMEDIATE');
      try {
        const result = fn(this.writer);
        this.writer.exec('COMMIT');
        return result;
      } catch (e) {
        if (this.writer.db.inTransaction) this.writer.exec('ROLLBACK');
        throw e;
      }
    });
  }

  /** An asynchronous transaction: holds the write lock until `fn` settles. */
  transaction<R>(fn: (runner: SqliteTxRunner) => Promise<R>): Promise<R> {
    this.assertOpen();
    assertOutsideOwnTransaction(this);
    return this.lock.runExclusive(() =>
      runInTransactionContext(this, async () => {
        this.writer.exec('BEGIN IMMEDIATE');
        const runner = new SqliteTxRunner(this.writer);
        try {
          const result = await fn(runner);
          this.writer.exec('COMMIT');
          return result;
        } catch (e) {
          if (this.writer.db.inTransaction) this.writer.exec('ROLLBACK');
          throw e;
        } finally {
          runner.finish();
        }
      }),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Let a running transaction finish before the connections go away.
    await this.lock.runExclusive(() => {
      if (this.reader !== this.writer) this.reader.close();
      this.writer.close();
    });
  }
}

/** The embedded backend: one SQLite file in WAL mode (see SqliteDatabase for the concurrency model). */
export class SqliteExecutor extends SqlOps implements Executor {
  private constructor(
    private readonly database: SqliteDatabase,
    private readonly monitor?: QueryMonitor,
  ) {
    super(monitored(new SqliteAutoRunner(database), monitor));
  }

  static open(options: SqliteExecutorOptions): Promise<SqliteExecutor> {
    const settings = {
      synchronous: options.synchronous ?? 'FULL',
      busyTimeoutMs: options.busyTimeoutMs ?? 5000,
    };
    try {
      const writer = openWriter(options.path, settings);
      try {
        migrate(writer);
        const reader =
          options.path === ':memory:'
            ? writer
            : SqliteConnection.open(options.path, { ...settings, readonly: true });
        return Promise.resolve(new SqliteExecutor(new SqliteDatabase(writer, reader), options.monitor));
      } catch (e) {
        writer.close();
        throw e;
      }
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  transaction<R>(fn: (tx: Transaction) => Promise<R>): Promise<R> {
    return this.database.transaction((runner) => fn(new TransactionOps(monitored(runner, this.monitor))));
  }

  readOutbox(afterPosition: bigint, limit: number): Promise<OutboxEvent[]> {
    return readOutbox(this.runner, afterPosition, limit);
  }

  /**
   * A number that changes whenever another connection (another process: the CLI, a second server on the
   * file) has committed to the database since the last call; this executor's own writes leave it as it
   * is (SQLite's `PRAGMA data_version` on the writer connection). What keeps a process-local cache
   * coherent with writers it does not hear from (lib/cache/watched-store.ts).
   */
  changeVersion(): number {
    this.database.assertOpen();
    // A cached statement: better-sqlite3's pragma() would prepare one per call.
    return Number(this.database.writer.prepare('PRAGMA data_version').pluck().get());
  }

  schemaVersion(): Promise<number> {
    const rows = this.database.reader.all('SELECT max(version) AS v FROM schema_migrations', []);
    return Promise.resolve(Number(rows[0]?.v ?? 0));
  }

  explain<T extends TableName>(query: SelectQuery<T>): Promise<string> {
    const compiled = compileSelect(query, sqliteDialect);
    return Promise.resolve(explainOn(this.database.reader, compiled.sql, compiled.params));
  }

  close(): Promise<void> {
    return this.database.close();
  }
}

/** Opens (creating it and its directory when missing) the database file, naming it in any failure. */
function openWriter(path: string, settings: { synchronous: SqliteSynchronous; busyTimeoutMs: number }) {
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    return SqliteConnection.open(path, settings);
  } catch (e) {
    throw new ExecutorError(
      'UNAVAILABLE',
      `cannot open the SQLite database ${path}: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
}

function migrate(conn: SqliteConnection): void {
  conn.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT',
  );
  conn.exec('BEGIN IMMEDIATE');
  try {
    const current = Number(conn.all('SELECT max(version) AS v FROM schema_migrations', [])[0]?.v ?? 0);
    for (const m of pendingMigrations(sqliteMigrations, current)) {
      conn.exec(m.sql);
      conn.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        m.version,
        m.name,
        BigInt(Date.now()),
      ]);
    }
    conn.exec('COMMIT');
  } catch (e) {
    if (conn.db.inTransaction) conn.exec('ROLLBACK');
    throw e;
  }
}

/** Executor-level runner: reads on the reader connection, each write its own locked transaction. */
class SqliteAutoRunner implements SqlRunner {
  readonly dialect = sqliteDialect;

  constructor(private readonly database: SqliteDatabase) {}

  all(sql: string, params: readonly unknown[]): Promise<RawRow[]> {
    try {
      this.database.assertOpen();
      return Promise.resolve(this.database.reader.all(sql, params));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  write(sql: string, params: readonly unknown[], table: string): Promise<number> {
    return this.database.writeTx((conn) => conn.run(sql, params, table));
  }

  writeReturning(sql: string, params: readonly unknown[], table: string): Promise<RawRow[]> {
    return this.database.writeTx((conn) => conn.all(sql, params, table));
  }

  insertRows(rows: PhysicalRows, suffix?: string) {
    return this.database.writeTx((conn) => insertPhysical(conn, rows, suffix));
  }

  inTransaction<R>(fn: (tx: SqlRunner) => Promise<R>): Promise<R> {
    return this.database.transaction(fn);
  }

  savepoint<R>(): Promise<R> {
    return Promise.reject(new ExecutorError('MISUSE', 'savepoints exist only inside a transaction'));
  }

  explain(sql: string, params: readonly unknown[]): Promise<string> {
    return Promise.resolve(explainOn(this.database.reader, sql, params));
  }
}

/** Runner bound to the open write transaction: everything on the writer connection. */
class SqliteTxRunner implements SqlRunner {
  readonly dialect = sqliteDialect;
  private finished = false;
  private savepoints = 0;

  constructor(private readonly conn: SqliteConnection) {}

  finish(): void {
    this.finished = true;
  }

  private check(): SqliteConnection {
    if (this.finished) throw transactionFinishedError();
    return this.conn;
  }

  private attempt<R>(fn: () => R): Promise<R> {
    try {
      return Promise.resolve(fn());
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  all(sql: string, params: readonly unknown[]): Promise<RawRow[]> {
    return this.attempt(() => this.check().all(sql, params));
  }

  write(sql: string, params: readonly unknown[], table: string): Promise<number> {
    return this.attempt(() => this.check().run(sql, params, table));
  }

  writeReturning(sql: string, params: readonly unknown[], table: string): Promise<RawRow[]> {
    return this.attempt(() => this.check().all(sql, params, table));
  }

  insertRows(rows: PhysicalRows, suffix?: string) {
    return this.attempt(() => insertPhysical(this.check(), rows, suffix));
  }

  /**
   * Each row its own INSERT: one that aborts (an overlap, a duplicate key) is undone by SQLite alone and
   * the transaction goes on, so no savepoint is needed. A savepoint around a batch made SQLite copy every
   * page the batch changed to a statement journal, spilled to a temporary file past 64 KiB: about a third
   * of a 10-segment registration's CPU (docs/decisions.md §57).
   */
  insertEachRow(physical: PhysicalRows): Promise<(ExecutorError | undefined)[]> {
    return this.attempt(() => {
      const conn = this.check();
      const { stmt, params } = insertStatement(conn, physical);
      return physical.rows.map((row) => {
        try {
          stmt.run(...params(row));
          return undefined;
        } catch (e) {
          const error = mapSqliteError(e, physical.table.name);
          // SQLite rolled the whole transaction back (SQLITE_FULL, an I/O error): nothing to go on with.
          if (error.retryable || !conn.db.inTransaction) throw error;
          return error;
        }
      });
    });
  }

  inTransaction<R>(fn: (tx: SqlRunner) => Promise<R>): Promise<R> {
    this.check();
    return fn(this);
  }

  async savepoint<R>(fn: () => Promise<R>): Promise<R> {
    const conn = this.check();
    const name = `sp${++this.savepoints}`;
    conn.exec(`SAVEPOINT ${name}`);
    try {
      const result = await fn();
      conn.exec(`RELEASE ${name}`);
      return result;
    } catch (e) {
      if (!this.finished && conn.db.inTransaction) {
        conn.exec(`ROLLBACK TO ${name}`);
        conn.exec(`RELEASE ${name}`);
      }
      throw e;
    }
  }

  explain(sql: string, params: readonly unknown[]): Promise<string> {
    return this.attempt(() => explainOn(this.check(), sql, params));
  }
}
