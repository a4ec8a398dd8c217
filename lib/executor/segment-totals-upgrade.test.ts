import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresExecutor } from './postgres/postgres-executor.js';
import { eq } from './predicate.js';
import { SqliteExecutor } from './sqlite/sqlite-executor.js';
import { sqliteMigrations } from './sqlite/sqlite-migrations.js';
import { createTestDatabase } from './test-support/postgres-test-database.js';
import { postgresAtVersion, sqliteAtVersion } from './test-support/database-at-version.js';
import type { Executor } from './types.js';

/**
 * Migration 11 (segment totals) on a database written by a version-10 build: each flow's count is
 * recounted and its latest end read from the segments already stored (whatever the domain layer had
 * kept), and both are kept by the database from then on.
 */

const A = '6101df05-06bb-41b8-8af4-cf7cd33df209';
const B = '0b1c2d3e-4f50-4617-8829-3a4b5c6d7e8f';
const C = '7c1d2e3f-4051-4627-8839-4a5b6c7d8e9f';
const S = 1_000_000_000n;

/** A: three segments, the last an instant at its end, stored count wrong on purpose; B: none, count 5. */
const SQL = (t: (b: 0 | 1) => string, now: string) => [
  'INSERT INTO flows (id, source_id, format, created, metadata_updated, metadata_version, segment_count) VALUES ' +
    [A, B, C]
      .map((f, i) => `('${f}', '${f}', 'urn:x-nmos:format:video', ${now}, ${now}, 'v1', ${[1, 5, 0][i]})`)
      .join(', '),
  'INSERT INTO segments (flow_id, timerange_start, timerange_start_open, timerange_end, timerange_end_closed, ' +
    'object_id, created) VALUES ' +
    [
      [A, 0n, 0, 10n * S, 0],
      [A, 10n * S, 1, 20n * S, 0],
      [A, 20n * S, 0, 20n * S, 1],
      [C, 5n * S, 0, 6n * S, 1],
    ]
      .map(
        ([f, s, so, e, ec], i) =>
          `('${f}', ${s}, ${t(so as 0 | 1)}, ${e}, ${t(ec as 0 | 1)}, 'o${i}', ${now})`,
      )
      .join(', '),
];

async function expectBackfilled(ex: Executor) {
  expect(await ex.schemaVersion()).toBe(sqliteMigrations.at(-1)!.version);
  const totals = async () =>
    (await ex.lookup('flows', 'id', [A, B, C], { columns: ['segment_count', 'last_segment_end'] })).map(
      (r) => [r!.segment_count, r!.last_segment_end],
    );
  expect(await totals()).toEqual([
    [3n, 20n * S],
    [0n, null],
    [1n, 6n * S],
  ]);
  // Kept from now on.
  await ex.delete('segments', eq('object_id', 'o2'));
  await ex.insert('segments', [
    {
      flow_id: B,
      timerange: { kind: 'range', start: 0n, startInclusive: true, end: S, endInclusive: false },
      object_id: 'new',
      created: new Date(),
    },
  ]);
  expect(await totals()).toEqual([
    [2n, 20n * S],
    [1n, S],
    [1n, 6n * S],
  ]);
}

describe('migration 11 on a version-10 database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tams-upgrade-11-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('[sqlite] recounts the segments and reads the latest end of every flow', async () => {
    const path = join(dir, 'v10.sqlite3');
    sqliteAtVersion(
      path,
      10,
      SQL((b) => String(b), '0'),
    );
    const ex = await SqliteExecutor.open({ path });
    try {
      await expectBackfilled(ex);
    } finally {
      await ex.close();
    }
  });

  it('[postgres] recounts the segments and reads the latest end of every flow', async () => {
    const database = await createTestDatabase('tams_upgrade11');
    try {
      await postgresAtVersion(
        database.url,
        10,
        SQL((b) => (b ? 'true' : 'false'), 'now()'),
      );
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
