import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Executor } from '../../lib/executor/index.js';
import { PostgresExecutor } from '../../lib/executor/index.js';
import type { TestDatabase } from '../../lib/executor/test-support/postgres-test-database.js';
import { createTestDatabase } from '../../lib/executor/test-support/postgres-test-database.js';
import { createFilesystemObjectStore } from '../../lib/objects/index.js';
import { StorageRegistry } from './storage-registry.js';

/** Replicas started together on a new database each register the same storage backend. */
describe('StorageRegistry.open on a new PostgreSQL database', () => {
  let db: TestDatabase;
  const executors: Executor[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'tams-registry-'));
  beforeAll(async () => {
    db = await createTestDatabase('tams_registry');
  });
  afterAll(async () => {
    for (const e of executors) await e.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets replicas starting at once agree on one row, one default', async () => {
    const store = await createFilesystemObjectStore({
      root: join(dir, 'objects'),
      publicBaseUrl: 'http://127.0.0.1:8000',
      signingKey: randomBytes(32),
    });
    const spec = {
      identity: `filesystem:${dir}`,
      label: 'local',
      provider: 'tams-gateway',
      storeProduct: 'filesystem',
      store,
    };
    // Separate pools, as separate processes have; the first opens (and migrates) before the others race.
    for (let i = 0; i < 4; i++) executors.push(await PostgresExecutor.open({ url: db.url, poolSize: 2 }));
    const registries = await Promise.all(executors.map((e) => StorageRegistry.open(e, [spec])));
    const ids = new Set(registries.map((r) => r.defaultBinding()?.backend.id));
    expect(ids.size).toBe(1);
    const { rows } = await executors[0]!.select({ table: 'storage_backends', limit: 10 });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.default_storage).toBe(true);
  });
});
