import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresExecutor } from './postgres/postgres-executor.js';
import { SqliteExecutor } from './sqlite/sqlite-executor.js';
import { sqliteMigrations } from './sqlite/sqlite-migrations.js';
import { createTestDatabase } from './test-support/postgres-test-database.js';
import { postgresAtVersion, sqliteAtVersion } from './test-support/database-at-version.js';
import type { Executor } from './types.js';

/**
 * Migration 6 (tags and read_only may be NULL, flows remember whether their collection was set) on a
 * database written by a version-5 build: rows keep what they held (`{}` and false cannot be told from
 * values a client set, so nothing is dropped), flows with collection items count as having set their
 * collection, and new rows can leave the properties unset.
 */

const COLLECTOR = '6101df05-06bb-41b8-8af4-cf7cd33df209';
const MEMBER = '0b1c2d3e-4f50-4617-8829-3a4b5c6d7e8f';
const SOURCE = '41d7f7eb-c48d-4513-9b37-17b418d26d7f';
const NEW_FLOW = '7a6b5c4d-3e2f-4a1b-8c0d-9e8f7a6b5c4d';

/** Rows a version-5 store held: every tag map and read_only flag set (the old defaults). */
const V5_ROWS = (t: { now: string; yes: string; no: string }) => `
INSERT INTO sources (id, format, tags, created, updated)
  VALUES ('${SOURCE}', 'urn:x-nmos:format:multi', '{}', ${t.now}, ${t.now});
INSERT INTO flows (id, source_id, format, label, tags, read_only, created, metadata_updated, metadata_version)
  VALUES ('${COLLECTOR}', '${SOURCE}', 'urn:x-nmos:format:multi', 'collector', '{"genre":"news"}', ${t.yes},
          ${t.now}, ${t.now}, 'v1'),
         ('${MEMBER}', '${SOURCE}', 'urn:x-nmos:format:multi', 'member', '{}', ${t.no}, ${t.now}, ${t.now}, 'v1');
INSERT INTO flow_collection_items (collection_id, position, member_id, role) VALUES ('${COLLECTOR}', 0, '${MEMBER}', 'x');
`;

async function expectUpgraded(ex: Executor) {
  // Migration 6 and every later one applied.
  expect(await ex.schemaVersion()).toBe(sqliteMigrations.at(-1)!.version);
  const [collector, member] = await ex.lookup('flows', 'id', [COLLECTOR, MEMBER]);
  expect(collector).toMatchObject({
    label: 'collector',
    tags: { genre: 'news' },
    read_only: true,
    flow_collection_set: true,
  });
  // Stored before the change: kept as they were, since nobody can tell whether a client set them.
  expect(member).toMatchObject({ label: 'member', tags: {}, read_only: false, flow_collection_set: false });
  expect((await ex.lookup('sources', 'id', [SOURCE]))[0]).toMatchObject({ tags: {} });
  // The indexes came through the rebuild: the listings still filter.
  expect(
    (await ex.select({ table: 'flows', where: { op: 'eq', column: 'source_id', value: SOURCE }, limit: 10 }))
      .rows,
  ).toHaveLength(2);
  await ex.insert('flows', [
    {
      id: NEW_FLOW,
      source_id: SOURCE,
      format: 'urn:x-nmos:format:multi',
      created: new Date(),
      metadata_updated: new Date(),
      metadata_version: 'v1',
    },
  ]);
  expect((await ex.lookup('flows', 'id', [NEW_FLOW]))[0]).toMatchObject({
    tags: null,
    read_only: null,
    flow_collection_set: false,
  });
}

describe('migration 6 on a version-5 database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tams-upgrade-6-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('[sqlite] rebuilds flows and sources keeping every row, value and index', async () => {
    const path = join(dir, 'v5.sqlite3');
    sqliteAtVersion(path, 5, [V5_ROWS({ now: '0', yes: '1', no: '0' })]);
    const ex = await SqliteExecutor.open({ path });
    try {
      await expectUpgraded(ex);
    } finally {
      await ex.close();
    }
    const check = new Database(path, { readonly: true });
    try {
      const indexes = check
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('flows', 'sources') AND sql IS NOT NULL ORDER BY name",
        )
        .all() as { name: string }[];
      expect(indexes.map((i) => i.name)).toEqual([
        'flows_by_codec_id',
        'flows_by_created_id',
        'flows_by_format_codec',
        'flows_by_format_id',
        'flows_by_label_id',
        'flows_by_last_segment_end_id',
        'flows_by_segment_count_id',
        'flows_by_source',
        'flows_without_codec',
        'flows_without_label',
        'flows_without_segments',
        'sources_by_format',
        'sources_by_label',
      ]);
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      check.close();
    }
  });

  it('[postgres] drops NOT NULL and the defaults, keeping every row and value', async () => {
    const database = await createTestDatabase('tams_upgrade6');
    try {
      await postgresAtVersion(database.url, 5, [V5_ROWS({ now: 'now()', yes: 'true', no: 'false' })]);
      const ex = await PostgresExecutor.open({ url: database.url, poolSize: 2 });
      try {
        await expectUpgraded(ex);
      } finally {
        await ex.close();
      }
    } finally {
      await database.drop();
    }
  });
});
