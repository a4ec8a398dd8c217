import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatTimeRange } from '../tams/index.js';
import { PostgresExecutor } from './postgres/postgres-executor.js';
import { eq } from './predicate.js';
import { SqliteExecutor } from './sqlite/sqlite-executor.js';
import { sqliteMigrations } from './sqlite/sqlite-migrations.js';
import { createTestDatabase } from './test-support/postgres-test-database.js';
import { postgresAtVersion, sqliteAtVersion } from './test-support/database-at-version.js';
import type { Executor } from './types.js';

/**
 * Migration 8 (segment summaries) on a database written by a version-7 build: the coverage runs and
 * duration counts are backfilled from the segments already stored, and kept from then on.
 */

const A = '6101df05-06bb-41b8-8af4-cf7cd33df209';
const B = '0b1c2d3e-4f50-4617-8829-3a4b5c6d7e8f';
const S = 1_000_000_000;

/** Segments of two flows: touching (both ways), an uncovered instant, a gap, instants. */
const V7_SEGMENTS: [flow: string, start: number, startOpen: 0 | 1, end: number, endClosed: 0 | 1][] = [
  [A, 0, 0, 10 * S, 0],
  [A, 10 * S, 0, 20 * S, 1],
  [A, 20 * S, 1, 30 * S, 0],
  [A, 30 * S, 1, 40 * S, 0],
  [A, 40 * S, 0, 40 * S, 1],
  [A, 50 * S, 0, 60 * S, 0],
  [B, 5 * S, 1, 6 * S, 1],
];

const rows = (t: (b: 0 | 1) => string, now: string) =>
  'INSERT INTO segments (flow_id, timerange_start, timerange_start_open, timerange_end, timerange_end_closed, ' +
  `object_id, created) VALUES ${V7_SEGMENTS.map(([f, s, so, e, ec], i) => `('${f}', ${s}, ${t(so)}, ${e}, ${t(ec)}, 'o${i}', ${now})`).join(', ')}`;

async function expectBackfilled(ex: Executor) {
  expect(await ex.schemaVersion()).toBe(sqliteMigrations.at(-1)!.version);
  const runs = async (flow: string) =>
    (
      await ex.select({
        table: 'segment_runs',
        where: eq('flow_id', flow),
        orderBy: [{ column: 'timerange' }],
        limit: 10,
      })
    ).rows.map((r) => formatTimeRange(r.timerange));
  expect(await runs(A)).toEqual(['[0:0_30:0)', '(30:0_40:0]', '[50:0_60:0)']);
  expect(await runs(B)).toEqual(['(5:0_6:0]']);
  const durations = await ex.select({
    table: 'segment_durations',
    where: eq('flow_id', A),
    orderBy: [{ column: 'duration' }],
    limit: 10,
  });
  expect(durations.rows.map((d) => [d.duration, d.segments])).toEqual([
    [0n, 1n],
    [10n * BigInt(S), 5n],
  ]);
  // Kept from now on: a segment filling the uncovered instant joins two runs.
  await ex.insert('segments', [
    {
      flow_id: A,
      timerange: {
        kind: 'range',
        start: 30n * BigInt(S),
        startInclusive: true,
        end: 30n * BigInt(S),
        endInclusive: true,
      },
      object_id: 'filler',
      created: new Date(),
    },
  ]);
  expect(await runs(A)).toEqual(['[0:0_40:0]', '[50:0_60:0)']);
}

describe('migration 8 on a version-7 database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tams-upgrade-8-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('[sqlite] backfills the coverage runs and duration counts from the stored segments', async () => {
    const path = join(dir, 'v7.sqlite3');
    sqliteAtVersion(path, 7, [rows((b) => String(b), '0')]);
    const ex = await SqliteExecutor.open({ path });
    try {
      await expectBackfilled(ex);
    } finally {
      await ex.close();
    }
  });

  it('[postgres] backfills the coverage runs and duration counts from the stored segments', async () => {
    const database = await createTestDatabase('tams_upgrade8');
    try {
      await postgresAtVersion(database.url, 7, [rows((b) => (b ? 'true' : 'false'), 'now()')]);
      const ex = await PostgresExecutor.open({ url: database.url, poolSize: 2 });
      try {
        await expectBackfilled(ex);
      } finally {
        await ex.close();
      }
    } finally {
      await database.drop();
    }
  });
});
