import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTimeRange } from '../../tams/index.js';
import { ExecutorError } from '../errors.js';
import { latestVersion } from '../migrations.js';
import { and, eq, overlaps } from '../predicate.js';
import { compileSelect } from '../sql/compile-select.js';
import type { TestDatabase } from '../test-support/postgres-test-database.js';
import { createTestDatabase } from '../test-support/postgres-test-database.js';
import { eventually } from '../../test-support/eventually.js';
import type { SelectQuery } from '../types.js';
import { postgresDialect } from './postgres-dialect.js';
import { mapPgError } from './postgres-errors.js';
import { PostgresExecutor } from './postgres-executor.js';
import { postgresMigrations } from './postgres-migrations.js';

const S = 1_000_000_000n;
const T0 = 1_700_000_000n * S;
const LONG_FLOW = randomUUID();
const LONG = 40_000;

let db: TestDatabase;
let ex: PostgresExecutor;
let raw: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  ex = await PostgresExecutor.open({ url: db.url, poolSize: 4 });
  raw = new pg.Pool({ connectionString: db.url, max: 4 });
  const seg = (flowId: string, i: number) => ({
    flow_id: flowId,
    timerange: makeTimeRange({ start: T0 + BigInt(i) * S, end: T0 + BigInt(i + 1) * S }),
    object_id: `o${i}`,
    created: new Date(),
  });
  await ex.insert(
    'segments',
    Array.from({ length: LONG }, (_, i) => seg(LONG_FLOW, i)),
  );
  const others = Array.from({ length: 50 }, () => randomUUID());
  await ex.insert(
    'segments',
    Array.from({ length: 400 * 50 }, (_, i) => seg(others[i % 50]!, Math.floor(i / 50))),
  );
  await raw.query('ANALYZE segments');
});
afterAll(async () => {
  await raw?.end();
  await ex?.close();
  await db?.drop();
});

const windowAt = (second: number, direction: 'asc' | 'desc'): SelectQuery<'segments'> => ({
  table: 'segments',
  where: and(
    eq('flow_id', LONG_FLOW),
    overlaps(
      'timerange',
      makeTimeRange({ start: T0 + BigInt(second) * S, end: T0 + BigInt(second + 100) * S }),
    ),
  ),
  orderBy: [{ column: 'timerange', direction }],
  limit: 100,
});

/** Buffers touched by a query, from EXPLAIN (ANALYZE, BUFFERS): a machine-independent measure of work. */
async function buffersOf(q: SelectQuery<'segments'>): Promise<number> {
  const compiled = compileSelect(q, postgresDialect);
  const { rows } = await raw.query<{ 'QUERY PLAN': string }>(
    `EXPLAIN (ANALYZE, BUFFERS) ${compiled.sql}`,
    compiled.params,
  );
  const top = rows.map((r) => r['QUERY PLAN']).find((l) => /Buffers: shared/.test(l)) ?? '';
  return [...top.matchAll(/(hit|read)=(\d+)/g)].reduce((sum, m) => sum + Number(m[2]), 0);
}

describe('window query plan [postgres]', () => {
  for (const direction of ['asc', 'desc'] as const) {
    it(`bounds the primary-key scan on both sides of a window (${direction})`, async () => {
      // For a short window the planner may fetch the bounded range and sort it; either way it reads
      // only the window's rows, never the flow.
      const plan = await ex.explain(windowAt(20_000, direction));
      expect(plan).toMatch(/Index Cond: .*timerange_start >= COALESCE\(\$0, .*timerange_start < /);
      expect(plan).toContain('Index Only Scan Backward using segments_pkey');
      expect(plan).not.toContain('Seq Scan');
    });

    it(`reads an open-ended window in time order and stops at the limit (${direction})`, async () => {
      const plan = await ex.explain({
        ...windowAt(0, direction),
        where: and(
          eq('flow_id', LONG_FLOW),
          overlaps('timerange', makeTimeRange({ start: T0 + 20_000n * S, end: null })),
        ),
      });
      expect(plan).toContain(
        direction === 'asc' ? 'Index Scan using segments_pkey' : 'Index Scan Backward using segments_pkey',
      );
      expect(plan).not.toMatch(/Seq Scan|Sort|Bitmap/);
    });
  }

  it('touches as many pages for a window at the end of a long flow as at its start (O(log n))', async () => {
    const start = await buffersOf(windowAt(10, 'asc'));
    const end = await buffersOf(windowAt(LONG - 150, 'asc'));
    const reverseEnd = await buffersOf(windowAt(LONG - 150, 'desc'));
    expect(start).toBeGreaterThan(0);
    expect(end).toBeLessThanOrEqual(start * 2);
    expect(reverseEnd).toBeLessThanOrEqual(start * 2);
  });
});

describe('database-level guards [postgres]', () => {
  const insert = (client: pg.ClientBase, flowId: string, start: number, end: number) =>
    client.query(
      `INSERT INTO segments (flow_id, timerange_start, timerange_start_open, timerange_end, timerange_end_closed, object_id, created)
       VALUES ($1, $2, false, $3, false, 'raw', now())`,
      [flowId, start, end],
    );

  it('serialises raw concurrent writers of one flow and rejects the loser', async () => {
    const flowId = randomUUID();
    const [a, b] = [await raw.connect(), await raw.connect()];
    try {
      await a.query('BEGIN');
      await b.query('BEGIN');
      await insert(a, flowId, 0, 10);
      // B blocks on the flow's lock until A commits, then sees A's segment.
      const blocked = insert(b, flowId, 5, 15).then(
        () => 'inserted',
        (e: unknown) => mapPgError(e).code,
      );
      // Commit only once B is really waiting on a lock: otherwise B might simply see A's committed row.
      const pidOfB = (b as unknown as { processID: number }).processID;
      await eventually(async () => {
        const { rows } = await raw.query<{ wait_event_type: string | null }>(
          'SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1',
          [pidOfB],
        );
        return rows[0]?.wait_event_type === 'Lock';
      }, 'the second writer to wait on the flow lock');
      await a.query('COMMIT');
      expect(await blocked).toBe('SEGMENT_OVERLAP');
    } finally {
      await b.query('ROLLBACK');
      a.release();
      b.release();
    }
  });

  it('refuses segment writes at isolation levels the guard cannot protect', async () => {
    const client = await raw.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      const error = await insert(client, randomUUID(), 0, 1).catch((e: unknown) => mapPgError(e));
      expect(error).toBeInstanceOf(ExecutorError);
      expect((error as ExecutorError).code).toBe('MISUSE');
      expect((error as ExecutorError).message).toMatch(/READ COMMITTED/);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  it('refuses to move a stored segment', async () => {
    const error = await raw
      .query('UPDATE segments SET timerange_end = timerange_end + 1 WHERE flow_id = $1', [LONG_FLOW])
      .catch((e: unknown) => mapPgError(e));
    expect((error as ExecutorError).code).toBe('IMMUTABLE_COLUMN');
  });
});

describe('connection failures [postgres]', () => {
  it('says where it could not connect, without the password', async () => {
    const error = await PostgresExecutor.open({ url: 'postgres://tams:s3cret-pw@127.0.0.1:1/tams' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ExecutorError);
    expect((error as ExecutorError).code).toBe('UNAVAILABLE');
    expect((error as ExecutorError).message).toContain('127.0.0.1:1/tams');
    expect((error as ExecutorError).message).not.toContain('s3cret');
  });

  it('migrates once when several processes start together', async () => {
    const fresh = await createTestDatabase();
    try {
      const executors = await Promise.all(
        [1, 2, 3].map(() => PostgresExecutor.open({ url: fresh.url, poolSize: 1 })),
      );
      const latest = latestVersion(postgresMigrations);
      expect(await Promise.all(executors.map((e) => e.schemaVersion()))).toEqual([latest, latest, latest]);
      await Promise.all(executors.map((e) => e.close()));
    } finally {
      await fresh.drop();
    }
  });
});
