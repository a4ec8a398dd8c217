/**
 * Cache read-hit cost, in one process: `npx tsx lib/cache/cache.bench.ts`. Not a test (vitest only
 * collects *.test.ts). Each round reads the same rows, all hits, in batches of 1 and of 100, five ways:
 *
 * - `redis`: `CoherentCache.loadMany` on a Redis store (a redis-server of its own on a free port): one
 *   script round trip per batch (epoch and stamp checks in the server), then JSON decoding;
 * - `redis x16`: the same with 16 batches in flight at once (throughput; one connection);
 * - `redis raw`: the store's read alone (no decoding), to show where the time goes;
 * - `memory`: `CoherentCache.loadMany` on the memory store;
 * - `sqlite`: the baseline a cache must beat to pay for itself in embedded mode: a primary-key lookup of
 *   the same rows (`WHERE id IN (…)`) in a SQLite file (WAL, page cache warm), with the same JSON decoding;
 * - `sqlite x16`: the same 16 at once (better-sqlite3 is synchronous, so this is sequential in effect);
 * - `postgres`, `postgres x16`: the same lookup on PostgreSQL (127.0.0.1, a pool of 4), the baseline of
 *   server mode, where the cache sits in front of a database that is a network round trip away too.
 *
 * Rounds are interleaved so that all see the same machine state; figures are medians of per-round
 * means, and ratios of them, which survive a busy machine far better than milliseconds. It only reports.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EntryRequest } from './cache-store.js';
import { CoherentCache } from './coherent-cache.js';
import { MemoryStore } from './memory-store.js';
import { RedisStore } from './redis-store.js';
import { createTestDatabase } from '../executor/test-support/postgres-test-database.js';
import { startRedisServer } from './test-support/redis-server.js';
import { jsonCodec } from './value-codec.js';

const ROWS = 1000;
const ROUNDS = 9;
const OPS_PER_ROUND = { 1: 400, 100: 40 } as const;
const CONCURRENCY = 16;

/** A flow row as the store holds it (bigint timestamps, Dates, tags), about 600 bytes of JSON. */
const row = (id: string) => ({
  id,
  source_id: randomUUID(),
  format: 'urn:x-nmos:format:video',
  codec: 'video/h264',
  label: `camera ${id.slice(0, 8)}`,
  description: 'Studio 1 main camera, programme feed, 1080i50',
  tags: { channel: 'bbc-one', genre: 'news', location: 'london' },
  timerange: { kind: 'range', start: 1_700_000_000_000_000_000n, end: 1_700_003_600_000_000_000n },
  created: new Date('2026-11-26T10:00:00.123Z'),
  metadata_updated: new Date('2026-11-26T10:00:00.123Z'),
  metadata_version: randomUUID(),
  container: 'video/mp2t',
  avg_bit_rate: 8_000_000,
  max_bit_rate: 10_000_000,
});
type Row = ReturnType<typeof row>;

const ids = Array.from({ length: ROWS }, () => randomUUID());
const codec = jsonCodec<Row>();

const server = await startRedisServer();
const dir = mkdtempSync(join(tmpdir(), 'tams-cache-bench-'));
const db = new Database(join(dir, 'bench.sqlite3'));
db.pragma('journal_mode = WAL');
db.exec('CREATE TABLE flows (id TEXT PRIMARY KEY, body TEXT NOT NULL)');
const insert = db.prepare('INSERT INTO flows (id, body) VALUES (?, ?)');
db.transaction(() => {
  for (const id of ids) insert.run(id, codec.encode(row(id)));
})();
const selectOne = db.prepare('SELECT id, body FROM flows WHERE id = ?');
const selectMany = db.prepare(`SELECT id, body FROM flows WHERE id IN (${Array(100).fill('?').join(',')})`);

function sqliteLookup(batch: readonly string[]): Row[] {
  const rows = (batch.length === 1 ? [selectOne.get(batch[0])] : selectMany.all(...batch)) as {
    id: string;
    body: string;
  }[];
  const byId = new Map(rows.map((r) => [r.id, r.body]));
  return batch.map((id) => codec.decode(Buffer.from(byId.get(id)!)));
}

const pgDatabase = await createTestDatabase('tams_cache_bench');
const pool = new pg.Pool({ connectionString: pgDatabase.url, max: 4 });
await pool.query('CREATE TABLE flows (id uuid PRIMARY KEY, body text NOT NULL)');
await pool.query('INSERT INTO flows (id, body) SELECT * FROM unnest($1::uuid[], $2::text[])', [
  ids,
  ids.map((id) => codec.encode(row(id))),
]);
await pool.query('ANALYZE flows');

async function postgresLookup(batch: readonly string[]): Promise<Row[]> {
  const { rows } = await pool.query<{ id: string; body: string }>({
    name: 'flows-by-id',
    text: 'SELECT id, body FROM flows WHERE id = ANY($1::uuid[])',
    values: [batch],
  });
  const byId = new Map(rows.map((r) => [r.id, r.body]));
  return batch.map((id) => codec.decode(Buffer.from(byId.get(id)!)));
}

async function openCache(store: RedisStore | MemoryStore) {
  const cache = new CoherentCache(store);
  await cache.whenEnabled();
  const space = cache.space<Row>({ name: 'flow', ttlMs: 3_600_000 });
  const load = (misses: readonly EntryRequest[]) => Promise.resolve(sqliteLookup(misses.map((m) => m.key)));
  const get = (batch: readonly string[]) =>
    space.loadMany(
      batch.map((id) => ({ key: id, deps: [`flow:${id}`] })),
      load,
    );
  // Warm: every row cached.
  for (let i = 0; i < ROWS; i += 100) await get(ids.slice(i, i + 100));
  await cache.flush();
  const raw = (batch: readonly string[]) =>
    cache.store.read(batch.map((id) => ({ key: `flow:${id}`, deps: [`flow:${id}`] })));
  return { cache, get, raw };
}

const redis = await openCache(new RedisStore({ url: server.url, quietMs: 0 }));
const memory = await openCache(new MemoryStore({ maxEntries: 2 * ROWS }));

const batches = (size: number, count: number) =>
  Array.from({ length: count }, (_, i) => ids.slice((i * size) % ROWS, ((i * size) % ROWS) + size));

type Way = (batch: readonly string[]) => unknown;
const ways: Record<string, { run: Way; concurrent: boolean }> = {
  redis: { run: redis.get, concurrent: false },
  'redis x16': { run: redis.get, concurrent: true },
  'redis raw': { run: redis.raw, concurrent: false },
  memory: { run: memory.get, concurrent: false },
  sqlite: { run: sqliteLookup, concurrent: false },
  'sqlite x16': { run: sqliteLookup, concurrent: true },
  postgres: { run: postgresLookup, concurrent: false },
  'postgres x16': { run: postgresLookup, concurrent: true },
};

/** Mean ms per batch over one round. */
async function measure(way: { run: Way; concurrent: boolean }, work: string[][]): Promise<number> {
  const started = process.hrtime.bigint();
  if (way.concurrent) {
    for (let i = 0; i < work.length; i += CONCURRENCY) {
      await Promise.all(work.slice(i, i + CONCURRENCY).map((b) => way.run(b)));
    }
  } else {
    for (const b of work) await way.run(b);
  }
  return Number(process.hrtime.bigint() - started) / 1e6 / work.length;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

for (const size of [1, 100] as const) {
  const work = batches(size, OPS_PER_ROUND[size]);
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(ways).map((k) => [k, []]));
  for (const way of Object.values(ways)) await measure(way, work.slice(0, 10)); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, way] of Object.entries(ways)) samples[name]!.push(await measure(way, work));
  }
  const base = median(samples.sqlite!);
  console.log(`\nbatch of ${size} (${ROUNDS} rounds × ${work.length} batches, all hits; medians)`);
  const pgBase = median(samples.postgres!);
  console.log('way           ms/batch   µs/row    rows/s   ÷ sqlite   ÷ postgres');
  for (const [name, xs] of Object.entries(samples)) {
    const ms = median(xs);
    const rowsPerSecond = Math.round((size * 1000) / ms).toString();
    console.log(
      `${name.padEnd(13)} ${ms.toFixed(4).padStart(8)} ${((ms * 1000) / size).toFixed(2).padStart(8)} ${rowsPerSecond.padStart(9)}   ${(ms / base).toFixed(2).padStart(7)}   ${(ms / pgBase).toFixed(2).padStart(9)}`,
    );
  }
}

await redis.cache.close();
await memory.cache.close();
db.close();
await pool.end();
await pgDatabase.drop();
rmSync(dir, { recursive: true, force: true });
await server.stop();
