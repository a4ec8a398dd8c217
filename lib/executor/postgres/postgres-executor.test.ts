import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { executorContract } from '../contract/executor.contract.js';
import type { TestDatabase } from '../test-support/postgres-test-database.js';
import { createTestDatabase } from '../test-support/postgres-test-database.js';
import { PostgresExecutor } from './postgres-executor.js';
import { postgresInternalColumns } from './postgres-migrations.js';

let db: TestDatabase | undefined;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

const url = () => {
  if (!db) throw new Error('the PostgreSQL test database was not created');
  return db.url;
};

executorContract({
  backend: 'postgres',
  open: (options) => PostgresExecutor.open({ url: url(), poolSize: options?.poolSize ?? 4 }),
  async introspect(_executor, table) {
    const client = new pg.Client({ connectionString: url() });
    await client.connect();
    try {
      const { rows } = await client.query<{ column_name: string; is_nullable: string }>(
        `SELECT column_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1`,
        [table],
      );
      const internal = postgresInternalColumns[table] ?? [];
      return new Map(
        rows
          .filter((r) => !internal.includes(r.column_name))
          .map((r) => [r.column_name, r.is_nullable === 'YES']),
      );
    } finally {
      await client.end();
    }
  },
});
