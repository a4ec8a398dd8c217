import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ExecutorError } from '../errors.js';
import { latestVersion } from '../migrations.js';
import { SqliteExecutor } from './sqlite-executor.js';
import { sqliteMigrations } from './sqlite-migrations.js';

const dir = mkdtempSync(join(tmpdir(), 'tams-sqlite-guards-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FLOW = 'f0d1a2b3-c4d5-4e6f-8a7b-8c9d0e1f2a3b';
const insertSql =
  'INSERT INTO segments (flow_id, timerange_start, timerange_start_open, timerange_end, timerange_end_closed, object_id, created) VALUES (?, ?, ?, ?, ?, ?, 0)';

describe('database-level guards [sqlite]', () => {
  it('refuses overlapping and modified segments even from a client that bypasses the executor', async () => {
    const path = join(dir, 'raw.sqlite3');
    const ex = await SqliteExecutor.open({ path });
    await ex.close();
    const db = new Database(path);
    try {
      db.prepare(insertSql).run(FLOW, 0, 0, 10, 0, 'a');
      expect(() => db.prepare(insertSql).run(FLOW, 5, 0, 15, 0, 'b')).toThrow('TAMS_SEGMENT_OVERLAP');
      expect(() => db.prepare(insertSql).run(FLOW, 10, 0, 10, 1, 'c')).not.toThrow();
      expect(() => db.prepare(insertSql).run(FLOW, 10, 1, 10, 1, 'empty')).toThrow(/CHECK constraint/);
      expect(() =>
        db.prepare('UPDATE segments SET timerange_end = 100 WHERE object_id = ?').run('a'),
      ).toThrow('TAMS_IMMUTABLE_COLUMN');
      expect(() =>
        db.prepare('UPDATE segments SET object_id = ? WHERE object_id = ?').run('z', 'a'),
      ).not.toThrow();
    } finally {
      db.close();
    }
  });

  it('refuses to run against a database migrated by a newer build', async () => {
    const path = join(dir, 'newer.sqlite3');
    await (await SqliteExecutor.open({ path })).close();
    const db = new Database(path);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, ?, 0)').run(
      'from the future',
    );
    db.close();
    const error = await SqliteExecutor.open({ path }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecutorError);
    expect((error as ExecutorError).code).toBe('SCHEMA_VERSION');
    expect((error as ExecutorError).message).toMatch(
      new RegExp(`version 999.*knows only up to ${latestVersion(sqliteMigrations)}`),
    );
  });

  it('reports an unusable path as UNAVAILABLE, naming it', async () => {
    for (const path of [join(dir, 'newer.sqlite3', 'below-a-file.sqlite3'), dir]) {
      const error = await SqliteExecutor.open({ path }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ExecutorError);
      expect((error as ExecutorError).code).toBe('UNAVAILABLE');
      expect((error as ExecutorError).message).toContain(path);
    }
  });
});
