import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Executor } from '../../../lib/executor/index.js';
import { and, eq, isIn, or, SqliteExecutor, tagExists } from '../../../lib/executor/index.js';
import { TouchedEntities } from './touched-entities.js';

/** What a transaction's writes are recorded as touching (the cache dependencies a write bumps). */
describe('TouchedEntities', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tams-touched-'));
  let executor: Executor;
  beforeAll(async () => {
    executor = await SqliteExecutor.open({ path: join(dir, 'db.sqlite3'), synchronous: 'NORMAL' });
  });
  afterAll(async () => {
    await executor.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const id = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;

  async function touchedBy(
    fn: (tx: Parameters<Parameters<Executor['transaction']>[0]>[0]) => Promise<unknown>,
  ) {
    const touched = new TouchedEntities();
    await executor.transaction((tx) => fn(touched.record(tx)));
    return touched.dependencies.sort();
  }

  it('names the rows an equality or IN pins, and the values written', async () => {
    expect(await touchedBy((tx) => tx.update('flows', eq('id', id(1)), { label: 'x' }))).toEqual([
      `flow:${id(1)}`,
    ]);
    expect(await touchedBy((tx) => tx.delete('objects', isIn('id', ['a', 'b'])))).toEqual([
      'object:a',
      'object:b',
    ]);
    expect(
      await touchedBy((tx) =>
        tx.delete('flow_object_refs', and(eq('flow_id', id(2)), isIn('object_id', ['o']))),
      ),
    ).toEqual([`flow:${id(2)}`, 'object:o']);
  });

  it('falls back to the whole kind when a predicate does not pin the entity', async () => {
    expect(await touchedBy((tx) => tx.update('flows', tagExists('tags', 'genre'), { label: 'x' }))).toEqual([
      'flow:*',
    ]);
    expect(
      await touchedBy((tx) => tx.update('sources', or(eq('id', id(1)), eq('id', id(2))), { label: 'x' })),
    ).toEqual(['source:*']);
  });

  it('records savepoints and ignores tables no cached value reads', async () => {
    expect(
      await touchedBy((tx) =>
        tx.savepoint(async (inner) => {
          await inner.update('sources', eq('id', id(3)), { label: 'x' });
          await inner.delete('webhooks', eq('id', id(4)));
        }),
      ),
    ).toEqual([`source:${id(3)}`]);
  });
});
