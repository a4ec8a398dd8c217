/**
 * The bench's distributed deployment, when the machine has one to offer: two `tams serve` replicas
 * (embedded role: each runs both subgraphs behind its gateway) on one fresh PostgreSQL database with a
 * shared Redis (cache and event bus) of their own, and one shared object directory, as several replicas
 * are deployed (README, "Several replicas"). PostgreSQL comes from TAMS_TEST_PG_URL or 127.0.0.1:5432;
 * Redis is a redis-server the bench starts. Either missing: the bench says so and measures embedded only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestRedisServer } from '../../lib/cache/test-support/redis-server.js';
import { startRedisServer } from '../../lib/cache/test-support/redis-server.js';
import type { TestDatabase } from '../../lib/executor/test-support/postgres-test-database.js';
import { createTestDatabase } from '../../lib/executor/test-support/postgres-test-database.js';
import { bearer, createToken } from '../../test/support/admin-token.js';
import type { ServeProcess } from '../../test/support/serve-process.js';
import { spawnServe } from '../../test/support/serve-process.js';

export interface Replicas {
  readonly servers: readonly { url: string; pid: number }[];
  readonly auth: Record<string, string>;
  close(): Promise<void>;
}

export async function startReplicas(count = 2): Promise<Replicas | { unavailable: string }> {
  let db: TestDatabase | undefined;
  let redis: TestRedisServer | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'tams-bench-replicas-'));
  const processes: ServeProcess[] = [];
  const close = async () => {
    for (const p of processes) p.child.kill('SIGTERM');
    await Promise.all(processes.map((p) => p.exited));
    await redis?.stop();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    db = await createTestDatabase('tams_bench');
    redis = await startRedisServer();
  } catch (error) {
    await close();
    return { unavailable: (error as Error).message };
  }
  try {
    const env = {
      TAMS_DATABASE_URL: db.url,
      TAMS_REDIS_URL: redis.url,
      TAMS_DATA_DIR: dir,
      TAMS_PORT: '0',
      TAMS_LOG_LEVEL: 'warn',
    };
    // The first one migrates the database; the others start on it.
    processes.push(await spawnServe(env));
    processes.push(...(await Promise.all(Array.from({ length: count - 1 }, () => spawnServe(env)))));
    const token = await createToken({
      kind: 'postgres',
      url: db.url,
      poolSize: 2,
      statementTimeoutMs: 30_000,
    });
    return {
      servers: processes.map((p) => ({ url: p.url, pid: p.child.pid! })),
      auth: bearer(token),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
