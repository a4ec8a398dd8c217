import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestRedisServer } from '../../lib/cache/test-support/redis-server.js';
import { startRedisServer } from '../../lib/cache/test-support/redis-server.js';
import { loadConfig } from '../../lib/config/config.js';
import type { TestDatabase } from '../../lib/executor/test-support/postgres-test-database.js';
import { createTestDatabase } from '../../lib/executor/test-support/postgres-test-database.js';
import { eventually, WAIT_LIMIT_MS } from '../../lib/test-support/eventually.js';
import { bearer, createToken } from '../support/admin-token.js';
import type { ServeProcess } from '../support/serve-process.js';
import { spawnServe } from '../support/serve-process.js';

/**
 * N replicas of one store, as issue 12 §6 defines them: separate `tams serve` processes given the same
 * TAMS_DATABASE_URL (a fresh PostgreSQL database of this run), the same TAMS_REDIS_URL (a redis-server of
 * this run, on a free port, which tests may kill and restart) and one object store (the filesystem
 * store in one shared data directory: its URL-signing key is created race-free, so every replica signs
 * and verifies the same URLs, and any replica serves an object uploaded through another).
 *
 * Replicas run from the sources through tsx, like the suite's other process tests (test/support/
 * serve-process.ts): it is the program `bin/tams.js` runs once built, without needing a build first.
 */

export interface Replica {
  /** 'A', 'B', ... */
  readonly name: string;
  /** Where it listens (its own port); REST routes, /graphql, /metrics, /ready, /health. */
  readonly url: string;
  /** graphql-ws endpoint. */
  readonly wsUrl: string;
  /** Everything the process printed (its JSON log and stderr), across restarts. */
  output(): string;
  /**
   * Stops the process gracefully (SIGTERM: it drains and releases what it holds) and starts it again on
   * the same port, so its URL stays; resolves once it answers /ready.
   */
  restart(): Promise<void>;
}

export interface Replicas {
  readonly replicas: readonly Replica[];
  readonly database: TestDatabase;
  readonly redis: TestRedisServer;
  /** The shared TAMS_DATA_DIR (the filesystem object store and its signing key). */
  readonly dataDir: string;
  /** A bearer token with every scope, valid on every replica (the token lives in the database). */
  readonly headers: Readonly<Record<string, string>>;
  /** The last lines each process printed, labelled: what a failure message should carry. */
  logs(lines?: number): string;
  /** Stops every process (SIGTERM, then SIGKILL after the wait limit), redis-server, the database. */
  close(): Promise<void>;
}

const REPLICA_NAMES = 'ABCDEFGH';

interface Running {
  readonly name: string;
  process: ServeProcess | undefined;
  /** Output of processes of this replica that have exited (a restart keeps their log). */
  earlier: string;
}

/** Rejects with what was awaited and the process's output when `promise` takes longer than the wait limit. */
function guarded<T>(promise: Promise<T>, what: string, output: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${what} did not happen within ${WAIT_LIMIT_MS} ms:\n${output()}`)),
        WAIT_LIMIT_MS,
      );
    }),
  ]);
}

async function isReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/ready`);
    const body = (await response.json()) as { status?: string };
    return response.status === 200 && body.status === 'ready';
  } catch {
    return false;
  }
}

async function stopProcess(serve: ServeProcess): Promise<void> {
  const { child } = serve;
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const exited = await Promise.race([
    serve.exited.then(() => true),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), WAIT_LIMIT_MS))),
  ]);
  clearTimeout(timer);
  if (!exited) {
    child.kill('SIGKILL');
    await serve.exited;
  }
}

export interface ReplicasOptions {
  /** The database the replicas share instead of a fresh one on the test PostgreSQL (not dropped). */
  readonly database?: TestDatabase;
  /** More environment for every replica (e.g. read endpoints). */
  readonly env?: Readonly<Record<string, string>>;
}

export async function startReplicas(count = 2, options: ReplicasOptions = {}): Promise<Replicas> {
  if (count < 1 || count > REPLICA_NAMES.length) throw new Error(`1 to ${REPLICA_NAMES.length} replicas`);
  const dataDir = mkdtempSync(join(tmpdir(), 'tams-replicas-'));
  const started: Running[] = [];
  let database: TestDatabase | undefined;
  let redis: TestRedisServer | undefined;
  // A test process that dies must not leave its servers behind.
  const reap = () => {
    for (const r of started) r.process?.child.kill('SIGKILL');
  };
  process.once('exit', reap);

  const close = async () => {
    const problems: unknown[] = [];
    const attempt = async (step: () => Promise<void> | void) => {
      try {
        await step();
      } catch (error) {
        problems.push(error);
      }
    };
    await Promise.all(started.map((r) => attempt(() => (r.process ? stopProcess(r.process) : undefined))));
    process.off('exit', reap);
    await attempt(() => redis?.stop());
    await attempt(() => database?.drop());
    await attempt(() => rmSync(dataDir, { recursive: true, force: true }));
    if (problems.length) throw new AggregateError(problems, 'stopping the replicas failed');
  };

  try {
    [database, redis] = await Promise.all([
      options.database ?? createTestDatabase('tams_replicas'),
      startRedisServer(),
    ]);
    const env: Record<string, string> = {
      TAMS_DATABASE_URL: database.url,
      TAMS_REDIS_URL: redis.url,
      TAMS_DATA_DIR: dataDir,
      TAMS_PORT: '0',
      TAMS_LOG_LEVEL: 'info',
      TAMS_PG_POOL_SIZE: '5',
      ...options.env,
    };
    // The token is created (and the database migrated) before any replica starts, as an operator would
    // with `tams token create`; every replica then checks it against the same database.
    const headers = bearer(await createToken(loadConfig(env).database, 'replicas-test'));

    for (let i = 0; i < count; i++)
      started.push({ name: REPLICA_NAMES[i]!, process: undefined, earlier: '' });
    const outputOf = (r: Running) => r.earlier + (r.process?.output() ?? '');
    const launch = async (r: Running, port = '0') => {
      const spawned = spawnServe({ ...env, TAMS_PORT: port });
      // Kept even if starting fails, so that close() stops it and the failure shows its output.
      void spawned.then((p) => (r.process = p)).catch(() => undefined);
      r.process = await guarded(spawned, `replica ${r.name} listening`, () => outputOf(r));
      const url = r.process.url;
      await eventually(() => isReady(url), `replica ${r.name} at ${url} answering /ready with 200`);
    };
    // In parallel: they share the database from the first moment, as replicas started together do.
    await Promise.all(started.map((r) => launch(r)));

    const replicas: Replica[] = started.map((r) => {
      const url = r.process!.url;
      return {
        name: r.name,
        url,
        wsUrl: `${url.replace(/^http/, 'ws')}/graphql`,
        output: () => outputOf(r),
        async restart() {
          const old = r.process!;
          await stopProcess(old);
          r.earlier += old.output();
          r.process = undefined;
          await launch(r, new URL(url).port);
        },
      };
    });
    return {
      replicas,
      database,
      redis,
      dataDir,
      headers,
      logs(lines = 40) {
        return started
          .map((r) => {
            const tail = outputOf(r).trimEnd().split('\n').slice(-lines).join('\n');
            const state = r.process && r.process.child.exitCode === null ? 'running' : 'exited';
            return `--- replica ${r.name} (${r.process?.url ?? 'not listening'}, ${state}), last ${lines} lines:\n${tail}`;
          })
          .join('\n');
      },
      close,
    };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}
