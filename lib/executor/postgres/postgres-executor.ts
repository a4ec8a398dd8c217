import type pg from 'pg';
import { lazyModule } from '../../lazy-module.js';
import type { TableName } from '../catalog/tables.js';
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
import { PG_TYPES, postgresDialect } from './postgres-dialect.js';
import { mapPgError } from './postgres-errors.js';
import { postgresMigrations } from './postgres-migrations.js';

/** node-postgres, loaded when a pool is first made (lib/lazy-module.ts): embedded mode never needs it. */
const postgres = lazyModule<typeof pg>('pg');

export interface PostgresExecutorOptions {
  /** Told about every statement (duration, rows, shape): the query performance monitor. */
  readonly monitor?: QueryMonitor;
  /** postgres:// URL. Credentials in it are never logged or put in error messages. */
  readonly url: string;
  /** Connections in the pool. */
  readonly poolSize?: number;
  /** Upper bound on any one statement, so no request can hold a connection indefinitely. */
  readonly statementTimeoutMs?: number;
  /**
   * A read endpoint (a streaming standby): no migrations (the primary runs them, the standby replays
   * them), every transaction read-only, and the connection attempt bounded so a probe of a dead
   * server fails fast.
   */
  readonly readOnly?: boolean;
  /** The name the query monitor records this server's statements under (default `primary`). */
  readonly endpoint?: string;
}

/** Where a server stands in streaming replication (`replicationStatus`). */
export interface ReplicationStatus {
  /** True on a standby (in recovery). */
  readonly standby: boolean;
  /**
   * The primary's WAL insert position (past every commit record already made, flushed or not: with
   * asynchronous commit the write position can trail a commit by up to wal_writer_delay), or the
   * standby's last replayed position (bytes).
   */
  readonly lsn: bigint;
  /** On a standby: seconds since the last transaction it replayed was committed on the primary. */
  readonly replayAgeSeconds: number | null;
}

/** `16/B374D848` → the WAL byte position it names. */
export function parseLsn(text: string): bigint {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text);
  if (!match) throw new ExecutorError('INTERNAL', `not a WAL position: ${JSON.stringify(text)}`);
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

/** Rows per INSERT statement of a bulk insert (one array parameter per column). */
const INSERT_CHUNK = 5000;
/** Advisory lock key held while migrating, so several processes starting at once apply each migration once. */
const MIGRATION_LOCK = [1952542061, 1] as const;

/** What runs SQL: the pool, a pooled client, or a transaction's serialised client. */
interface Queryable {
  query(config: pg.QueryConfig): Promise<pg.QueryResult>;
}

/**
 * A client whose queries run one after another, in call order. A transaction is one connection, and the
 * domain issues independent reads in parallel inside one (Promise.all); pg 8 queues them itself but
 * deprecates doing so (pg 9 will throw), so the queue is ours.
 */
function serialised(client: pg.PoolClient): Queryable {
  let last: Promise<unknown> = Promise.resolve();
  return {
    query(config) {
      const run = last.then(() => client.query(config));
      last = run.catch(() => undefined);
      return run;
    },
  };
}

/** Where a URL points, without credentials, for error messages. */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'the configured PostgreSQL URL';
  }
}

async function query(
  db: Queryable,
  sql: string,
  params: readonly unknown[],
  table?: string,
): Promise<pg.QueryResult> {
  try {
    return await db.query({ text: sql, values: params as unknown[] });
  } catch (e) {
    throw mapPgError(e, table);
  }
}

/** One INSERT per chunk: `INSERT ... SELECT * FROM unnest($1::type[], ...)`, a fixed statement per table. */
async function insertChunks(db: Queryable, physical: PhysicalRows, suffix?: string) {
  const cols = physical.columns.map((c) => quoteIdent(c.name));
  const arrays = physical.columns.map((c, i) => `$${i + 1}::${PG_TYPES[c.kind]}[]`);
  const sql =
    `INSERT INTO ${quoteIdent(physical.table.name)} (${cols.join(', ')}) ` +
    `SELECT * FROM unnest(${arrays.join(', ')})${suffix ? ` ${suffix}` : ''}`;
  let count = 0;
  const returned: RawRow[] = [];
  for (let start = 0; start < physical.rows.length; start += INSERT_CHUNK) {
    const chunk = physical.rows.slice(start, start + INSERT_CHUNK);
    const params = physical.columns.map((c, i) =>
      chunk.map((row) => postgresDialect.toParam(c.kind, row[i])),
    );
    const result = await query(db, sql, params, physical.table.name);
    count += result.rowCount ?? 0;
    returned.push(...(result.rows as RawRow[]));
  }
  return { count, returned };
}

async function explainOn(db: Queryable, sql: string, params: readonly unknown[]): Promise<string> {
  const result = await query(db, `EXPLAIN ${sql}`, params);
  return (result.rows as { 'QUERY PLAN': string }[]).map((r) => r['QUERY PLAN']).join('\n');
}

/** The server backend: a pg pool; every write at READ COMMITTED (the segment overlap guard needs it). */
export class PostgresExecutor extends SqlOps implements Executor {
  private constructor(
    private readonly database: PostgresDatabase,
    private readonly monitor?: QueryMonitor,
    private readonly endpoint?: string,
  ) {
    super(monitored(new PgAutoRunner(database), monitor, endpoint));
  }

  static async open(options: PostgresExecutorOptions): Promise<PostgresExecutor> {
    const pool = new (postgres().Pool)({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      application_name: 'tams',
      // Explicit, so a server configured for another default cannot weaken the overlap guard.
      options:
        `-c default_transaction_isolation=read\\ committed -c statement_timeout=${options.statementTimeoutMs ?? 30_000}` +
        (options.readOnly ? ' -c default_transaction_read_only=on' : ''),
      ...(options.readOnly ? { connectionTimeoutMillis: 2000 } : {}),
      types: {
        // TAI nanoseconds exceed 2^53: int8 is read as bigint.
        getTypeParser: ((oid: number, format?: 'text') =>
          oid === 20
            ? (v: string) => BigInt(v)
            : (postgres().types.getTypeParser(oid, format) as unknown)) as never,
      },
    });
    // An idle connection dropped by the server must not crash the process; the pool replaces it.
    pool.on('error', () => undefined);
    const database = new PostgresDatabase(pool);
    // A standby is probed, not required, at start: it may be down and come up later.
    if (options.readOnly) return new PostgresExecutor(database, options.monitor, options.endpoint);
    try {
      await database.migrate();
    } catch (e) {
      await pool.end();
      const mapped = mapPgError(e);
      if (mapped.code === 'UNAVAILABLE')
        throw new ExecutorError(
          'UNAVAILABLE',
          `cannot reach PostgreSQL at ${describePostgresUrl(options.url)}: ${(mapped.cause as Error)?.message ?? mapped.message}`,
          { cause: e },
        );
      throw mapped;
    }
    return new PostgresExecutor(database, options.monitor, options.endpoint);
  }

  transaction<R>(fn: (tx: Transaction) => Promise<R>): Promise<R> {
    return this.database.transaction((runner) =>
      fn(new TransactionOps(monitored(runner, this.monitor, this.endpoint))),
    );
  }

  readOutbox(afterPosition: bigint, limit: number): Promise<OutboxEvent[]> {
    return readOutbox(this.runner, afterPosition, limit);
  }

  async schemaVersion(): Promise<number> {
    const result = await query(this.database.pool, 'SELECT max(version) AS v FROM schema_migrations', []);
    return Number((result.rows[0] as { v: bigint | null }).v ?? 0);
  }

  /** This server's WAL position and, on a standby, how old its last replayed transaction is. */
  async replicationStatus(): Promise<ReplicationStatus> {
    const result = await query(
      this.database.pool,
      `SELECT pg_is_in_recovery() AS standby,
         (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_insert_lsn() END)::text AS lsn,
         CASE WHEN pg_is_in_recovery()
           THEN extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8 END AS age`,
      [],
    );
    const row = result.rows[0] as { standby: boolean; lsn: string | null; age: number | null };
    return {
      standby: row.standby,
      lsn: row.lsn === null ? 0n : parseLsn(row.lsn),
      replayAgeSeconds: row.age,
    };
  }

  explain<T extends TableName>(q: SelectQuery<T>): Promise<string> {
    const compiled = compileSelect(q, postgresDialect);
    return explainOn(this.database.pool, compiled.sql, compiled.params);
  }

  close(): Promise<void> {
    return this.database.close();
  }
}

class PostgresDatabase {
  closed = false;

  constructor(readonly pool: pg.Pool) {}

  assertOpen(): void {
    if (this.closed) throw new ExecutorError('MISUSE', 'the executor has been closed');
  }

  async migrate(): Promise<void> {
    const client = await this.connect();
    try {
      await query(client, 'SELECT pg_advisory_lock($1, $2)', [...MIGRATION_LOCK]);
      try {
        await query(
          client,
          'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)',
          [],
        );
        const current = await query(client, 'SELECT max(version) AS v FROM schema_migrations', []);
        for (const m of pendingMigrations(
          postgresMigrations,
          Number((current.rows[0] as { v: unknown }).v ?? 0),
        )) {
          await query(client, 'BEGIN', []);
          try {
            await query(client, m.sql, []);
            await query(
              client,
              'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())',
              [m.version, m.name],
            );
            await query(client, 'COMMIT', []);
          } catch (e) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw e;
          }
        }
      } finally {
        await query(client, 'SELECT pg_advisory_unlock($1, $2)', [...MIGRATION_LOCK]);
      }
    } finally {
      client.release();
    }
  }

  async connect(): Promise<pg.PoolClient> {
    this.assertOpen();
    try {
      return guardCheckedOut(await this.pool.connect());
    } catch (e) {
      throw mapPgError(e);
    }
  }

  async transaction<R>(fn: (runner: PgTxRunner) => Promise<R>): Promise<R> {
    this.assertOpen();
    assertOutsideOwnTransaction(this);
    const client = await this.connect();
    let broken: unknown;
    try {
      return await runInTransactionContext(this, async () => {
        await query(client, 'BEGIN ISOLATION LEVEL READ COMMITTED', []);
        const runner = new PgTxRunner(client);
        try {
          const result = await fn(runner);
          await query(client, 'COMMIT', []);
          return result;
        } catch (e) {
          await client.query('ROLLBACK').catch((rollbackError: unknown) => {
            broken = rollbackError;
          });
          throw e;
        } finally {
          runner.finish();
        }
      });
    } finally {
      // A connection that could not roll back is in an unknown state: destroy it rather than reuse it.
      client.release(broken instanceof Error ? broken : undefined);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

/** Executor-level runner: single statements on the pool (autocommit); multi-statement writes in a transaction. */
class PgAutoRunner implements SqlRunner {
  readonly dialect = postgresDialect;

  constructor(private readonly database: PostgresDatabase) {}

  async all(sql: string, params: readonly unknown[]): Promise<RawRow[]> {
    this.database.assertOpen();
    return (await query(this.database.pool, sql, params)).rows as RawRow[];
  }

  async write(sql: string, params: readonly unknown[], table: string): Promise<number> {
    this.database.assertOpen();
    assertOutsideOwnTransaction(this.database);
    return (await query(this.database.pool, sql, params, table)).rowCount ?? 0;
  }

  async writeReturning(sql: string, params: readonly unknown[], table: string): Promise<RawRow[]> {
    this.database.assertOpen();
    assertOutsideOwnTransaction(this.database);
    return (await query(this.database.pool, sql, params, table)).rows as RawRow[];
  }

  insertRows(rows: PhysicalRows, suffix?: string) {
    this.database.assertOpen();
    assertOutsideOwnTransaction(this.database);
    if (rows.rows.length <= INSERT_CHUNK) return insertChunks(this.database.pool, rows, suffix);
    // Several statements: all or nothing.
    return this.database.transaction((tx) => tx.insertRows(rows, suffix));
  }

  inTransaction<R>(fn: (tx: SqlRunner) => Promise<R>): Promise<R> {
    return this.database.transaction(fn);
  }

  savepoint<R>(): Promise<R> {
    return Promise.reject(new ExecutorError('MISUSE', 'savepoints exist only inside a transaction'));
  }

  explain(sql: string, params: readonly unknown[]): Promise<string> {
    return explainOn(this.database.pool, sql, params);
  }
}

/** Runner bound to one open transaction's connection. */
class PgTxRunner implements SqlRunner {
  readonly dialect = postgresDialect;
  private finished = false;
  private savepoints = 0;

  private readonly client: Queryable;

  constructor(client: pg.PoolClient) {
    this.client = serialised(client);
  }

  finish(): void {
    this.finished = true;
  }

  private check(): Queryable {
    if (this.finished) throw transactionFinishedError();
    return this.client;
  }

  async all(sql: string, params: readonly unknown[]): Promise<RawRow[]> {
    return (await query(this.check(), sql, params)).rows as RawRow[];
  }

  async write(sql: string, params: readonly unknown[], table: string): Promise<number> {
    return (await query(this.check(), sql, params, table)).rowCount ?? 0;
  }

  async writeReturning(sql: string, params: readonly unknown[], table: string): Promise<RawRow[]> {
    return (await query(this.check(), sql, params, table)).rows as RawRow[];
  }

  async insertRows(rows: PhysicalRows, suffix?: string) {
    return insertChunks(this.check(), rows, suffix);
  }

  async inTransaction<R>(fn: (tx: SqlRunner) => Promise<R>): Promise<R> {
    this.check();
    return fn(this);
  }

  async savepoint<R>(fn: () => Promise<R>): Promise<R> {
    const client = this.check();
    const name = `sp${++this.savepoints}`;
    await query(client, `SAVEPOINT ${name}`, []);
    try {
      const result = await fn();
      await query(client, `RELEASE SAVEPOINT ${name}`, []);
      return result;
    } catch (e) {
      if (!this.finished) await query(client, `ROLLBACK TO SAVEPOINT ${name}`, []);
      throw e;
    }
  }

  async explain(sql: string, params: readonly unknown[]): Promise<string> {
    return explainOn(this.check(), sql, params);
  }
}

const guarded = new WeakSet<pg.PoolClient>();

/**
 * pg-pool removes its error listener from a client while it is checked out; if the server dies then
 * (a crash, a restart), the client emits 'error' with no listener and the process exits. The failure
 * reaches the caller anyway (its query rejects, and the client is released broken), so the event is
 * only swallowed. Once per client: clients are reused.
 */
function guardCheckedOut(client: pg.PoolClient): pg.PoolClient {
  if (!guarded.has(client)) {
    guarded.add(client);
    client.on('error', () => undefined);
  }
  return client;
}
