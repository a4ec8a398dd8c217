import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll } from 'vitest';
import { executorContract } from '../contract/executor.contract.js';
import { SqliteExecutor } from './sqlite-executor.js';

const dir = mkdtempSync(join(tmpdir(), 'tams-sqlite-contract-'));
const path = join(dir, 'nested', 'tams.sqlite3');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

executorContract({
  backend: 'sqlite',
  // Every executor of the run opens the same file, as several processes of one store would.
  open: () => SqliteExecutor.open({ path, synchronous: 'NORMAL' }),
  introspect(_executor, table) {
    const db = new Database(path, { readonly: true });
    try {
      const rows = db.prepare('SELECT name, "notnull" AS nn FROM pragma_table_info(?)').all(table) as {
        name: string;
        nn: number;
      }[];
      return Promise.resolve(new Map(rows.map((r) => [r.name, r.nn === 0])));
    } finally {
      db.close();
    }
  },
});
