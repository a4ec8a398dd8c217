import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Executor, InsertRow } from '../executor/index.js';
import { isNull, not, PostgresExecutor, SqliteExecutor } from '../executor/index.js';
import type { TestDatabase } from '../executor/test-support/postgres-test-database.js';
import { createTestDatabase } from '../executor/test-support/postgres-test-database.js';
import { OutboxPruner } from './outbox-pruner.js';

const HOUR = 3_600_000;
const NOW = new Date('2026-12-01T12:00:00Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * HOUR);

const event = (name: string, at: Date): InsertRow<'event_outbox'> => ({
  event_type: 'flows/updated',
  event_timestamp: at,
  flow_id: randomUUID(),
  payload: { name },
});

describe.each(['sqlite', 'postgres'] as const)('outbox retention on %s', (backend) => {
  let executor: Executor;
  let dir: string | undefined;
  let db: TestDatabase | undefined;

  beforeAll(async () => {
    if (backend === 'sqlite') {
      dir = mkdtempSync(join(tmpdir(), 'tams-outbox-pruner-'));
      executor = await SqliteExecutor.open({ path: join(dir, 'store.sqlite3') });
    } else {
      db = await createTestDatabase();
      executor = await PostgresExecutor.open({ url: db.url });
    }
  });
  afterAll(async () => {
    await executor?.close();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Empties the outbox and its consumers, then writes `events` (name, hours ago); their positions. */
  async function scenario(events: [name: string, hoursAgo: number][]) {
    await executor.delete('outbox_cursors', not(isNull('consumer')));
    await executor.delete('event_outbox', not(isNull('event_type')));
    await executor.insert(
      'event_outbox',
      events.map(([name, h]) => event(name, hoursAgo(h))),
    );
    const read = await executor.readOutbox(0n, 1000);
    return new Map(read.map((e) => [(e.payload as { name: string }).name, e.position]));
  }
  const remaining = async () =>
    (await executor.readOutbox(0n, 1000)).map((e) => (e.payload as { name: string }).name);
  const cursor = (consumer: string, lastSeq: bigint, leaseExpires: Date | null, updated: Date) =>
    executor.insert('outbox_cursors', [
      { consumer, last_seq: lastSeq, owner: null, lease_expires: leaseExpires, updated },
    ]);
  const pruner = (holders: bigint[] = []) =>
    new OutboxPruner(executor, {
      retentionMs: 24 * HOUR,
      now: () => NOW,
      holders: () => Promise.resolve(holders),
    });

  it('deletes what every consumer has read once it is older than the retention; the newest stays', async () => {
    await scenario([
      ['a', 50],
      ['b', 40],
      ['c', 30],
    ]);
    const result = await pruner().pruneOnce();
    expect(result.deleted).toBe(2);
    expect(await remaining()).toEqual(['c']);
  });

  it('keeps events younger than the retention, read or not', async () => {
    await scenario([
      ['old', 30],
      ['young', 2],
      ['newest', 1],
    ]);
    await pruner().pruneOnce();
    expect(await remaining()).toEqual(['young', 'newest']);
  });

  it('keeps what a present consumer has not read, and ignores one away for longer than the retention', async () => {
    const at = await scenario([
      ['a', 50],
      ['b', 40],
      ['c', 30],
      ['d', 29],
    ]);
    await cursor('redis-bus', at.get('a')!, hoursAgo(1), hoursAgo(1)); // alive, has read a
    await cursor('gone', 0n, hoursAgo(100), hoursAgo(100)); // away for 100 h: does not hold
    await cursor('webhooks', -1n, hoursAgo(1), hoursAgo(1)); // progress kept elsewhere (holders)
    const result = await pruner().pruneOnce();
    expect(result.floor).toBe(at.get('a'));
    expect(await remaining()).toEqual(['b', 'c', 'd']);
  });

  it('keeps what a holder (a webhook registration) has not delivered', async () => {
    const at = await scenario([
      ['a', 50],
      ['b', 40],
      ['c', 30],
      ['d', 29],
    ]);
    await pruner([at.get('c')!, at.get('b')!]).pruneOnce();
    expect(await remaining()).toEqual(['c', 'd']);
  });

  it('deletes a backlog in batches, oldest first', async () => {
    await scenario(Array.from({ length: 25 }, (_, i): [string, number] => [`e${i}`, 100 - i]));
    const batched = new OutboxPruner(executor, { retentionMs: 24 * HOUR, now: () => NOW, batch: 4 });
    expect((await batched.pruneOnce()).deleted).toBe(24);
    expect(await remaining()).toEqual(['e24']);
  });
});
