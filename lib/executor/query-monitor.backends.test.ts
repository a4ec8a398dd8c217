import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { timeRange } from '../tams/index.js';
import { segment, uuid } from './contract/harness.js';
import { PostgresExecutor } from './postgres/postgres-executor.js';
import { eq } from './predicate.js';
import { QueryMonitor } from './query-monitor.js';
import { SqliteExecutor } from './sqlite/sqlite-executor.js';
import { createTestDatabase } from './test-support/postgres-test-database.js';
import type { TestDatabase } from './test-support/postgres-test-database.js';
import type { Executor } from './types.js';

/** Both backends report every statement to the monitor, in and out of transactions, without values. */
const dir = mkdtempSync(join(tmpdir(), 'tams-monitor-'));
let db: TestDatabase | undefined;
afterAll(async () => {
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

const open: Record<'sqlite' | 'postgres', (monitor: QueryMonitor) => Promise<Executor>> = {
  sqlite: (monitor) =>
    SqliteExecutor.open({ path: join(dir, 'tams.sqlite3'), synchronous: 'NORMAL', monitor }),
  postgres: async (monitor) => {
    db = await createTestDatabase('tams_monitor');
    return PostgresExecutor.open({ url: db.url, poolSize: 2, monitor });
  },
};

describe.each(['sqlite', 'postgres'] as const)('query monitor on %s', (backend) => {
  it('records kind, table, backend, rows and a shape without values', async () => {
    const monitor = new QueryMonitor();
    const records: { kind: string; table: string; rows: number; shape: string; backend: string }[] = [];
    monitor.onQuery((r) => records.push(r));
    const ex = await open[backend](monitor);
    try {
      const flow = uuid();
      records.length = 0; // migrations and setup
      await ex.insert('segments', [segment(flow, '[0:0_1:0)'), segment(flow, '[1:0_2:0)')]);
      const page = await ex.select({ table: 'segments', where: eq('flow_id', flow), limit: 10 });
      expect(page.rows).toHaveLength(2);
      await ex.gaps({
        table: 'segments',
        partition: flow,
        window: timeRange('[0:0_5:0)'),
        limit: 10,
      });
      await ex.transaction(async (tx) => {
        await tx.delete('segments', eq('flow_id', flow));
      });
      const kinds = records.map((r) => `${r.kind} ${r.table}`);
      expect(kinds[0]).toBe('insert segments');
      expect(kinds[1]).toBe('select segments');
      expect(kinds).toContain('aggregate segments');
      expect(kinds.at(-1)).toBe('delete segments');
      expect(records[0]!.rows).toBe(2);
      expect(records[1]!.rows).toBe(2);
      expect(records.at(-1)!.rows).toBe(2);
      for (const r of records) {
        expect(r.backend).toBe(backend);
        expect(r.shape).not.toContain(flow);
      }
      expect(monitor.kinds().map((k) => k.kind)).toEqual(
        expect.arrayContaining(['insert', 'select', 'aggregate', 'delete']),
      );
      expect(monitor.slowest().length).toBeGreaterThan(0);
    } finally {
      await ex.close();
    }
  });
});
