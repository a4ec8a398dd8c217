import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../test-support/postgres-test-database.js';
import { createTestDatabase } from '../test-support/postgres-test-database.js';
import type { OutboxEvent } from '../types.js';
import { PostgresExecutor } from './postgres-executor.js';
import { postgresMigrations } from './postgres-migrations.js';

/**
 * The outbox on PostgreSQL, where transactions commit out of seq order (docs/decisions.md §8): driven
 * with raw connections so each transaction's id and commit moment are explicit.
 */

let db: TestDatabase;
let ex: PostgresExecutor;
let raw: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  ex = await PostgresExecutor.open({ url: db.url, poolSize: 4 });
  raw = new pg.Pool({ connectionString: db.url, max: 6 });
});
afterAll(async () => {
  await raw?.end();
  await ex?.close();
  await db?.drop();
});

const INSERT_EVENT =
  "INSERT INTO event_outbox (event_type, event_timestamp, payload) VALUES ('flows/updated', now(), $1) RETURNING seq";

async function drain(
  executor: PostgresExecutor,
  from: bigint,
): Promise<{ events: OutboxEvent[]; last: bigint }> {
  const events: OutboxEvent[] = [];
  let last = from;
  for (;;) {
    const page = await executor.readOutbox(last, 100);
    if (page.length === 0) return { events, last };
    events.push(...page);
    last = page.at(-1)!.position;
  }
}

const nameOf = (e: OutboxEvent) => (e.payload as { name: string }).name;

describe('outbox order [postgres]', () => {
  it('never skips an event whose transaction took a lower seq and commits after a higher one', async () => {
    const start = (await drain(ex, 0n)).last;
    const older = await raw.connect();
    const younger = await raw.connect();
    try {
      // The transaction that will hold the higher seq gets its id first (an earlier write), so ordering by
      // transaction id against the oldest running one (pg_snapshot_xmin) would release it while the lower
      // seq is still open, and a reader keeping a seq cursor would then skip the lower one for good.
      await older.query('BEGIN');
      const xOlder = BigInt(
        (await older.query<{ x: string }>('SELECT pg_current_xact_id()::text AS x')).rows[0]!.x,
      );
      await younger.query('BEGIN');
      const lower = BigInt(
        (await younger.query<{ seq: string }>(INSERT_EVENT, [{ name: 'lower seq, commits last' }])).rows[0]!
          .seq,
      );
      const xYounger = BigInt(
        (await younger.query<{ x: string }>('SELECT pg_current_xact_id()::text AS x')).rows[0]!.x,
      );
      const higher = BigInt(
        (await older.query<{ seq: string }>(INSERT_EVENT, [{ name: 'higher seq, commits first' }])).rows[0]!
          .seq,
      );
      await older.query('COMMIT');
      expect(xOlder).toBeLessThan(xYounger);
      expect(lower).toBeLessThan(higher);

      const first = await drain(ex, start);
      expect(first.events.map(nameOf)).toEqual(['higher seq, commits first']);
      await younger.query('COMMIT');
      const second = await drain(ex, first.last);
      expect(second.events.map(nameOf)).toEqual(['lower seq, commits last']);
      expect(second.events[0]!.seq).toBe(lower);
    } finally {
      older.release();
      younger.release();
    }
  });

  it('keeps releasing committed events while a long transaction stays open', async () => {
    const start = (await drain(ex, 0n)).last;
    const long = await raw.connect();
    try {
      // A writer holding a transaction id for a long time (a big batch, a stuck client) would hold back a
      // reader gated on the oldest running transaction; release order does not wait for it.
      await long.query('BEGIN');
      await long.query('SELECT pg_current_xact_id()');
      await raw.query(INSERT_EVENT, [{ name: 'committed meanwhile' }]);
      expect((await drain(ex, start)).events.map(nameOf)).toEqual(['committed meanwhile']);
    } finally {
      await long.query('ROLLBACK');
      long.release();
    }
  });

  it('gives two readers releasing at once the same positions, each event once', async () => {
    const start = (await drain(ex, 0n)).last;
    const other = await PostgresExecutor.open({ url: db.url, poolSize: 2 });
    try {
      const names = Array.from({ length: 60 }, (_, i) => `e${i}`);
      const writing = Promise.all(
        Array.from({ length: 6 }, async (_, w) => {
          for (const name of names.filter((_, i) => i % 6 === w)) await raw.query(INSERT_EVENT, [{ name }]);
        }),
      );
      const consume = async (executor: PostgresExecutor) => {
        const seen: OutboxEvent[] = [];
        let cursor = start;
        while (seen.length < names.length) {
          const page = await executor.readOutbox(cursor, 5);
          seen.push(...page);
          if (page.length) cursor = page.at(-1)!.position;
        }
        return seen;
      };
      const [a, b] = await Promise.all([consume(ex), consume(other), writing]);
      expect(a.map(nameOf).sort()).toEqual([...names].sort());
      expect(b.map((e) => [e.seq, e.position])).toEqual(a.map((e) => [e.seq, e.position]));
    } finally {
      await other.close();
    }
  });

  it('upgrades a version 3 database: old events keep their seq as position, new ones follow', async () => {
    const old = await createTestDatabase('tams_upgrade');
    const client = new pg.Client({ connectionString: old.url });
    await client.connect();
    try {
      await client.query(
        'CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)',
      );
      for (const m of postgresMigrations.slice(0, 3)) {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations VALUES ($1, $2, now())', [m.version, m.name]);
      }
      for (const name of ['old 1', 'old 2', 'old 3']) await client.query(INSERT_EVENT, [{ name }]);
      const webhook = randomUUID();
      await client.query(
        `INSERT INTO webhooks (id, identity, url, events, created, updated) VALUES ($1, 'x', 'http://h', '[]', now(), now())`,
        [webhook],
      );
      const upgraded = await PostgresExecutor.open({ url: old.url, poolSize: 2 });
      try {
        const before = await drain(upgraded, 0n);
        expect(before.events.map((e) => [nameOf(e), e.position])).toEqual([
          ['old 1', 1n],
          ['old 2', 2n],
          ['old 3', 3n],
        ]);
        expect(await upgraded.lookup('webhook_deliveries', 'webhook_id', [webhook])).toEqual([
          expect.objectContaining({ last_position: 3n, failures: 0 }),
        ]);
        await upgraded.insert('event_outbox', [
          { event_type: 'flows/updated', event_timestamp: new Date(), payload: { name: 'new' } },
        ]);
        const after = await drain(upgraded, before.last);
        expect(after.events.map((e) => [nameOf(e), e.seq, e.position])).toEqual([['new', 4n, 4n]]);
      } finally {
        await upgraded.close();
      }
    } finally {
      await client.end();
      await old.drop();
    }
  });
});
