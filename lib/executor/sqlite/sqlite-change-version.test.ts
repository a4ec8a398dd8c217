import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { SqliteExecutor } from './sqlite-executor.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tams-change-version-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const principal = (name: string) => ({
  id: randomUUID(),
  name,
  scopes: ['read'],
  disabled: false,
  created: new Date(),
  password_hash: null,
});

it('moves when another connection commits, not when this executor writes or anyone reads', async () => {
  const path = join(dir, 'tams.sqlite3');
  const mine = await SqliteExecutor.open({ path });
  const other = await SqliteExecutor.open({ path });
  try {
    const start = mine.changeVersion();
    await mine.insert('principals', [principal('a')]);
    await mine.transaction((tx) => tx.insert('principals', [principal('b')]));
    await other.select({ table: 'principals', limit: 10 });
    expect(mine.changeVersion()).toBe(start);

    await other.insert('principals', [principal('c')]);
    const moved = mine.changeVersion();
    expect(moved).not.toBe(start);
    expect(mine.changeVersion()).toBe(moved);
  } finally {
    await other.close();
    await mine.close();
  }
});
