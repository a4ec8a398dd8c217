/**
 * What the triggers that keep figures with the segments cost ingest: the executor's batch insert of
 * BENCH_SEGMENTS contiguous segments into one flow (a dropout every 997th), and BENCH_SINGLES
 * single-segment committed inserts, on a scratch database with the triggers and on one where those of
 * BENCH_TRIGGERS were dropped (`summaries`: coverage runs and duration counts, migration 8; `totals`: the
 * flow's segment count and last end, migration 11; `both`), both open at once with the work alternating
 * between them in small chunks; the ratio is what to read (this machine is shared and busy). Each flow
 * has its flows row, as in a store.
 *
 *   npx tsx loadtest/summaries-ingest-bench.ts
 *   BENCH_TRIGGERS=totals BENCH_BACKENDS=sqlite BENCH_ROUNDS=2 npx tsx loadtest/summaries-ingest-bench.ts
 *
 * Progress to stderr; the table and a JSON line to stdout.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';
import { PostgresExecutor, SqliteExecutor } from '../lib/executor/index.js';
import type { Executor, InsertRow } from '../lib/executor/index.js';
import { createTestDatabase } from '../lib/executor/test-support/postgres-test-database.js';
import { makeTimeRange, NS_PER_SECOND } from '../lib/tams/index.js';

const SEGMENTS = Number(process.env.BENCH_SEGMENTS ?? '200000');
const SINGLES = Number(process.env.BENCH_SINGLES ?? '500');
const BATCH = Number(process.env.BENCH_BATCH ?? '50000');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? '3');
const BACKENDS = (process.env.BENCH_BACKENDS ?? 'sqlite,postgres').split(',').map((b) => b.trim());
const DROPPED = {
  summaries: ['segments_summaries_insert'],
  totals: ['segments_totals_insert'],
  both: ['segments_summaries_insert', 'segments_totals_insert'],
}[process.env.BENCH_TRIGGERS ?? 'summaries'];
if (!DROPPED) throw new Error('BENCH_TRIGGERS must be summaries, totals or both');
const log = (msg: string) => process.stderr.write(`${msg}\n`);

function rows(flowId: string, count: number, from = 0n): InsertRow<'segments'>[] {
  let t = from;
  const out: InsertRow<'segments'>[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 997 === 996) t += 3n * NS_PER_SECOND;
    const length = 6n * NS_PER_SECOND;
    out.push({
      flow_id: flowId,
      timerange: makeTimeRange({ start: t, end: t + length }),
      object_id: `o${i}`,
      created: new Date(),
    });
    t += length;
  }
  return out;
}

/** A scratch store, with or without the insert triggers of DROPPED. */
async function scratch(backend: string, triggers: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'tams-summaries-ingest-'));
  const db = backend === 'postgres' ? await createTestDatabase('tams_summaries_ingest') : undefined;
  const path = join(dir, 'bench.sqlite3');
  const open = () =>
    db ? PostgresExecutor.open({ url: db.url }) : SqliteExecutor.open({ path, synchronous: 'NORMAL' });
  let ex: Executor = await open();
  if (!triggers) {
    if (db) {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      for (const name of DROPPED!) await c.query(`DROP TRIGGER ${name} ON segments`);
      await c.end();
    } else {
      await ex.close();
      const raw = new Database(path);
      for (const name of DROPPED!) raw.exec(`DROP TRIGGER ${name}`);
      raw.close();
      ex = await open();
    }
  }
  return {
    ex,
    /** A flow row for `id`: the totals triggers update it with each write of its segments. */
    async flow(id: string) {
      const now = new Date();
      await ex.insert('flows', [
        {
          id,
          source_id: id,
          format: 'urn:x-nmos:format:video',
          created: now,
          metadata_updated: now,
          metadata_version: 'v1',
        },
      ]);
      return id;
    },
    async close() {
      await ex.close();
      await db?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const CHUNK = Number(process.env.BENCH_CHUNK ?? '25');
const rate = (n: number, ms: number) => Math.round(n / (ms / 1000));
const results: Record<string, Record<string, number>> = {};
for (const backend of BACKENDS) {
  // Both stores open at once, the work alternating between them in small chunks (a batch; CHUNK single
  // inserts), so the background load of this shared machine falls on both alike.
  const stores = { with: await scratch(backend, true), without: await scratch(backend, false) };
  const ms = { bulkWith: 0, bulkWithout: 0, singleWith: 0, singleWithout: 0 };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const flows = {
        with: await stores.with.flow(randomUUID()),
        without: await stores.without.flow(randomUUID()),
      };
      const all = { with: rows(flows.with, SEGMENTS), without: rows(flows.without, SEGMENTS) };
      for (let i = 0; i < SEGMENTS; i += BATCH)
        for (const v of ['with', 'without'] as const) {
          const t = performance.now();
          await stores[v].ex.insert('segments', all[v].slice(i, i + BATCH));
          ms[v === 'with' ? 'bulkWith' : 'bulkWithout'] += performance.now() - t;
        }
      const ones = {
        with: rows(await stores.with.flow(randomUUID()), SINGLES),
        without: rows(await stores.without.flow(randomUUID()), SINGLES),
      };
      for (let i = 0; i < SINGLES; i += CHUNK)
        for (const v of ['with', 'without'] as const) {
          const t = performance.now();
          for (const r of ones[v].slice(i, i + CHUNK)) await stores[v].ex.insert('segments', [r]);
          ms[v === 'with' ? 'singleWith' : 'singleWithout'] += performance.now() - t;
        }
      log(`${backend}: round ${round + 1} of ${ROUNDS} done`);
    }
  } finally {
    await stores.with.close();
    await stores.without.close();
  }
  const n = SEGMENTS * ROUNDS;
  const k = SINGLES * ROUNDS;
  results[backend] = {
    bulkWith: rate(n, ms.bulkWith),
    bulkWithout: rate(n, ms.bulkWithout),
    bulkRatio: Math.round((ms.bulkWithout / ms.bulkWith) * 100) / 100,
    singleWith: rate(k, ms.singleWith),
    singleWithout: rate(k, ms.singleWithout),
    singleRatio: Math.round((ms.singleWithout / ms.singleWith) * 100) / 100,
  };
}
console.log(
  `\n${SEGMENTS} segments in batches of ${BATCH}, ${SINGLES} single inserts, ${ROUNDS} rounds, alternating; ` +
    `without: ${DROPPED.join(', ')}`,
);
for (const [backend, r] of Object.entries(results))
  console.log(
    `${backend.padEnd(9)} bulk ${r.bulkWith} vs ${r.bulkWithout} rows/s (×${r.bulkRatio}); single committed ${r.singleWith} vs ${r.singleWithout} rows/s (×${r.singleRatio})`,
  );
console.log(JSON.stringify({ segments: SEGMENTS, singles: SINGLES, dropped: DROPPED, results }));
