/**
 * Executor benchmark (both backends): bulk and single-segment insert rates, and the latency of the
 * 100-segment window query on a small and a huge flow, through the executor and as hand-written SQL on
 * the driver. Targets: window p50 big/small <= 1.5 (the query is O(log n)), executor p50 <= 2x raw SQL.
 *
 *   BENCH_SCALE=0.01 npm run bench:executor      quick smoke run (counts scaled, with floors)
 *   BENCH_BACKENDS=sqlite BENCH_DIR=/data ...    one backend; SQLite file under BENCH_DIR
 *
 * Progress goes to stderr; plans, the results table and one final JSON line to stdout. Exit code 1 when a
 * target is missed.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';
import { and, eq, overlaps, PostgresExecutor, SqliteExecutor } from '../lib/executor/index.js';
import type { BackendName, Executor, InsertRow, SelectQuery } from '../lib/executor/index.js';
import { createTestDatabase } from '../lib/executor/test-support/postgres-test-database.js';
import { isNonEmpty, makeTimeRange, NS_PER_SECOND } from '../lib/tams/index.js';

const SCALE = Number(process.env.BENCH_SCALE ?? '1');
if (!(SCALE > 0)) throw new Error(`BENCH_SCALE must be a positive number, got ${process.env.BENCH_SCALE}`);
const BACKENDS = (process.env.BENCH_BACKENDS ?? 'sqlite,postgres').split(',').map((b) => b.trim());
for (const b of BACKENDS)
  if (b !== 'sqlite' && b !== 'postgres') throw new Error(`BENCH_BACKENDS: unknown backend ${b}`);
const scaled = (n: number, min: number) => Math.max(min, Math.round(n * SCALE));

// The flow count stays at 1,000 at every scale so the interleaved (time-ordered) layout is kept.
const FLOWS = 1000;
const PER_FLOW = scaled(1000, 10);
const SMALL = scaled(10_000, 1000);
const BIG = scaled(10_000_000, 20 * SMALL);
const SINGLES = scaled(2000, 100);
const QUERIES = scaled(1000, 100); // measured per (flow, mode)
const ROUNDS = 5;
const WARMUP = scaled(200, 50);
const BATCH = 10_000;
const BIG_BATCH = 50_000;
const PAGE = 100;
const SYNCHRONOUS = 'FULL'; // the store's default: every commit is fsynced
const TARGET_WINDOW_RATIO = 1.5;
const TARGET_OVERHEAD = 2;

const SECOND = NS_PER_SECOND;
// Realistic TAI times (~2023): nanosecond values above 2^53, so any loss of bigint precision shows.
const T0 = 1_700_000_000n * SECOND;
const WINDOW = BigInt(PAGE) * SECOND;

const log = (msg: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const rate = (rows: number, ms: number) => Math.round((rows * 1000) / ms);
const round = (x: number, digits = 3) => Number(x.toFixed(digits));

/** Deterministic PRNG (mulberry32) so executor and raw SQL see the same windows, run after run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function segment(flowId: string, i: number): InsertRow<'segments'> {
  const start = T0 + BigInt(i) * SECOND;
  return {
    flow_id: flowId,
    timerange: makeTimeRange({ start, end: start + SECOND }),
    // Random object ids, as real stores allocate them: the object index takes random inserts.
    object_id: randomUUID(),
    sample_offset: BigInt(i) * 50n,
    sample_count: 50n,
    key_frame_count: 1n,
    created: new Date(),
  };
}

/** Inserts `count` rows in batches; the clock runs only around `insert`, not around row building. */
async function timedInsert(
  ex: Executor,
  label: string,
  count: number,
  batch: number,
  row: (n: number) => InsertRow<'segments'>,
): Promise<number> {
  let ms = 0;
  let nextLog = 1_000_000;
  for (let done = 0; done < count;) {
    const rows = Array.from({ length: Math.min(batch, count - done) }, (_, k) => row(done + k));
    const t = performance.now();
    await ex.insert('segments', rows);
    ms += performance.now() - t;
    done += rows.length;
    if (done >= nextLog || done === count) {
      log(`  ${label}: ${done} / ${count} rows (${rate(done, ms)} rows/s)`);
      nextLog += 1_000_000;
    }
  }
  return rate(count, ms);
}

/** A window query: rows returned and the first row's start, so executor and raw SQL can be cross-checked. */
type WindowQuery = (flowId: string, t: bigint, desc: boolean) => Promise<{ rows: number; first: bigint }>;

function windowSelect(flowId: string, t: bigint, desc: boolean): SelectQuery<'segments'> {
  return {
    table: 'segments',
    where: and(eq('flow_id', flowId), overlaps('timerange', makeTimeRange({ start: t, end: t + WINDOW }))),
    orderBy: [{ column: 'timerange', direction: desc ? 'desc' : 'asc' }],
    limit: PAGE,
  };
}

const viaExecutor =
  (ex: Executor): WindowQuery =>
  async (flowId, t, desc) => {
    const { rows } = await ex.select(windowSelect(flowId, t, desc));
    const first = rows[0]?.timerange;
    return { rows: rows.length, first: first && isNonEmpty(first) ? (first.start ?? -1n) : -1n };
  };

const COLUMNS =
  'flow_id, timerange_start, timerange_start_open, timerange_end, timerange_end_closed, object_id, ' +
  'ts_offset, last_duration, sample_offset, sample_count, key_frame_count, get_urls, created';

/**
 * What an expert writes by hand: segments of a flow never overlap, so the one segment starting before the
 * window that can overlap it is the last one starting before t; everything else starts inside the window.
 * That bounds the primary-key range scan on both sides. LIMIT 101 as the executor does, to detect a next page.
 */
function rawWindowSql(backend: BackendName, desc: boolean): string {
  const [flow, t, end, yes] =
    backend === 'sqlite' ? ['@flow', '@t', '@end', '1'] : ['$1::uuid', '$2::int8', '$3::int8', 'TRUE'];
  const dir = desc ? 'DESC' : 'ASC';
  return (
    `SELECT ${COLUMNS} FROM segments WHERE flow_id = ${flow} ` +
    `AND timerange_start >= coalesce((SELECT timerange_start FROM segments WHERE flow_id = ${flow} ` +
    `AND timerange_start < ${t} ORDER BY timerange_start DESC LIMIT 1), ${t}) ` +
    `AND timerange_start < ${end} AND (timerange_end > ${t} OR (timerange_end = ${t} AND timerange_end_closed = ${yes})) ` +
    `ORDER BY timerange_start ${dir}, timerange_start_open ${dir} LIMIT ${PAGE + 1}`
  );
}

/** The driver on its own connection: the raw-SQL baseline, plus what the executor API does not expose. */
interface RawDriver {
  readonly query: WindowQuery;
  explain(flowId: string, t: bigint, desc: boolean): Promise<string>;
  /** Server settings that matter for the figures. */
  settings(): Promise<string>;
  /** Brings the table to the state a settled production store has before the reads are measured. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

function rawSqlite(path: string): RawDriver {
  const db = new Database(path, { readonly: true });
  db.defaultSafeIntegers(true);
  const stmts = [false, true].map((desc) => db.prepare(rawWindowSql('sqlite', desc)));
  const params = (flow: string, t: bigint) => ({ flow, t, end: t + WINDOW });
  return {
    query: (flowId, t, desc) => {
      const rows = stmts[Number(desc)]!.all(params(flowId, t)) as { timerange_start: bigint }[];
      return Promise.resolve({ rows: Math.min(rows.length, PAGE), first: rows[0]?.timerange_start ?? -1n });
    },
    explain: (flowId, t, desc) => {
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${rawWindowSql('sqlite', desc)}`).all(params(flowId, t));
      return Promise.resolve((plan as { detail: string }[]).map((r) => r.detail).join('\n'));
    },
    settings: () =>
      Promise.resolve(
        `${path}, journal_mode=${String(db.pragma('journal_mode', { simple: true }))}, synchronous=${SYNCHRONOUS} (writer)`,
      ),
    settle: () => Promise.resolve(),
    close: () => Promise.resolve(void db.close()),
  };
}

function rawPostgres(url: string): RawDriver {
  const pool = new pg.Pool({
    connectionString: url,
    max: 1,
    types: {
      getTypeParser: ((oid: number, format?: 'text') =>
        oid === 20 ? (v: string) => BigInt(v) : (pg.types.getTypeParser(oid, format) as unknown)) as never,
    },
  });
  const params = (flow: string, t: bigint) => [flow, t.toString(), (t + WINDOW).toString()];
  return {
    query: async (flowId, t, desc) => {
      const { rows } = await pool.query<{ timerange_start: bigint }>(
        rawWindowSql('postgres', desc),
        params(flowId, t),
      );
      return { rows: Math.min(rows.length, PAGE), first: rows[0]?.timerange_start ?? -1n };
    },
    explain: async (flowId, t, desc) => {
      const sql = `EXPLAIN ${rawWindowSql('postgres', desc)}`;
      const { rows } = await pool.query<{ 'QUERY PLAN': string }>(sql, params(flowId, t));
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    },
    settings: async () => {
      const names = ['server_version', 'fsync', 'synchronous_commit', 'shared_buffers'];
      const values = await Promise.all(names.map((n) => pool.query<Record<string, string>>(`SHOW ${n}`)));
      return names.map((n, i) => `${n}=${values[i]!.rows[0]![n]}`).join(', ');
    },
    // Autovacuum would soon do this after an 11M-row load; doing it now keeps it out of the measurement.
    settle: async () => void (await pool.query('VACUUM ANALYZE segments')),
    close: () => pool.end(),
  };
}

type Flow = { readonly id: string; readonly segments: number };

/** Window starts across the whole flow (every tenth in its last 200 segments), at sub-second offsets. */
function windowStarts(flow: Flow, n: number, seed: number): bigint[] {
  const random = prng(seed);
  const last = flow.segments - PAGE - 1;
  return Array.from({ length: n }, (_, i) => {
    const k = i % 10 === 9 ? last - Math.floor(random() * 200) : Math.floor(random() * last);
    return T0 + BigInt(k) * SECOND + BigInt(Math.floor(random() * 1e9));
  });
}

async function timeQueries(query: WindowQuery, flow: Flow, starts: readonly bigint[], out: number[]) {
  for (let i = 0; i < starts.length; i++) {
    const t = performance.now();
    const r = await query(flow.id, starts[i]!, i % 2 === 1);
    out.push(performance.now() - t);
    if (r.rows !== PAGE) throw new Error(`window query on flow ${flow.id} returned ${r.rows} rows`);
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

type Results = Record<string, number | boolean | string>;

async function runBackend(backend: BackendName, cleanups: (() => Promise<void>)[]): Promise<Results> {
  // Each resource is registered for cleanup as soon as it exists, so a failure anywhere releases it.
  const track = <R extends { close(): Promise<void> }>(resource: R): R => {
    cleanups.push(() => resource.close());
    return resource;
  };
  let ex: Executor;
  let raw: RawDriver;
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'tams-bench-'));
    cleanups.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
    const path = join(dir, 'bench.db');
    ex = track(await SqliteExecutor.open({ path, synchronous: SYNCHRONOUS }));
    raw = track(rawSqlite(path));
  } else {
    const db = await createTestDatabase('tams_bench');
    cleanups.push(() => db.drop());
    ex = track(await PostgresExecutor.open({ url: db.url, poolSize: 4 }));
    raw = track(rawPostgres(db.url));
  }
  const settings = await raw.settings();
  console.log(`\n=== ${backend} (${settings})`);

  log(`${backend}: ${FLOWS} flows x ${PER_FLOW} segments, interleaved in live-ingest order`);
  const flowIds = Array.from({ length: FLOWS }, () => randomUUID());
  const bulk = await timedInsert(ex, 'interleaved', FLOWS * PER_FLOW, BATCH, (n) =>
    segment(flowIds[n % FLOWS]!, Math.floor(n / FLOWS)),
  );
  const small: Flow = { id: randomUUID(), segments: SMALL };
  const big: Flow = { id: randomUUID(), segments: BIG };
  log(`${backend}: one flow of ${SMALL} segments, one of ${BIG}`);
  await timedInsert(ex, 'small flow', SMALL, BATCH, (n) => segment(small.id, n));
  const bigInsert = await timedInsert(ex, 'big flow', BIG, BIG_BATCH, (n) => segment(big.id, n));

  log(`${backend}: ${SINGLES} single-segment committed inserts`);
  const single = randomUUID();
  const t0 = performance.now();
  for (let i = 0; i < SINGLES; i++) await ex.insert('segments', [segment(single, i)]);
  const singleRate = rate(SINGLES, performance.now() - t0);

  log(`${backend}: settling the table before the reads`);
  await raw.settle();

  const mid = T0 + BigInt(Math.floor(BIG / 2)) * SECOND + SECOND / 2n;
  const indent = (text: string) => text.replace(/^/gm, '   ');
  console.log(
    `\n-- raw SQL (ascending; descending flips the ORDER BY):\n${indent(rawWindowSql(backend, false))}`,
  );
  for (const desc of [false, true]) {
    const what = `window on the ${BIG}-segment flow, ${desc ? 'descending' : 'ascending'}`;
    console.log(`-- executor plan, ${what}:\n${indent(await ex.explain(windowSelect(big.id, mid, desc)))}`);
    console.log(`-- raw SQL plan, ${what}:\n${indent(await raw.explain(big.id, mid, desc))}`);
  }

  const flows = { small, big };
  const modes = { exec: viaExecutor(ex), raw: raw.query };
  const cells = (['exec', 'raw'] as const).flatMap((m) =>
    (['small', 'big'] as const).map((f, i) => ({
      key: `${m}_${f}`,
      query: modes[m],
      flow: flows[f],
      // The same seed for both modes: executor and raw SQL are timed on the same windows.
      starts: windowStarts(flows[f], QUERIES, 1000 + i),
      ms: [] as number[],
    })),
  );

  log(`${backend}: warm-up (${WARMUP} windows per flow, executor and raw SQL cross-checked)`);
  for (const [i, flow] of [small, big].entries()) {
    for (const [k, t] of windowStarts(flow, WARMUP, 7 + i).entries()) {
      const a = await modes.exec(flow.id, t, k % 2 === 1);
      const b = await modes.raw(flow.id, t, k % 2 === 1);
      if (a.rows !== PAGE || b.rows !== PAGE || a.first !== b.first)
        throw new Error(`executor and raw SQL disagree on window ${t} of flow ${flow.id}`);
    }
  }

  // Interleaved rounds, rotating the order, so drift on this noisy 2-core machine hits every cell alike.
  const perRound = Math.ceil(QUERIES / ROUNDS);
  for (let r = 0; r < ROUNDS; r++) {
    log(`${backend}: window queries, round ${r + 1}/${ROUNDS}`);
    for (let c = 0; c < cells.length; c++) {
      const cell = cells[(c + r) % cells.length]!;
      await timeQueries(cell.query, cell.flow, cell.starts.slice(r * perRound, (r + 1) * perRound), cell.ms);
    }
  }

  const latencies: Results = {};
  const p50: Record<string, number> = {};
  for (const cell of cells) {
    const sorted = [...cell.ms].sort((x, y) => x - y);
    p50[cell.key] = percentile(sorted, 0.5);
    latencies[`${cell.key}_p50_ms`] = round(percentile(sorted, 0.5));
    latencies[`${cell.key}_p99_ms`] = round(percentile(sorted, 0.99));
  }
  const ratio = (a: string, b: string) => round(p50[a]! / p50[b]!);
  const windowRatio = ratio('exec_big', 'exec_small');
  const overheadSmall = ratio('exec_small', 'raw_small');
  const overheadBig = ratio('exec_big', 'raw_big');
  return {
    settings,
    bulkInsertRowsPerSec: bulk,
    bigFlowInsertRowsPerSec: bigInsert,
    singleInsertRowsPerSec: singleRate,
    ...latencies,
    windowRatio,
    rawWindowRatio: ratio('raw_big', 'raw_small'),
    overheadSmall,
    overheadBig,
    targetsMet: windowRatio <= TARGET_WINDOW_RATIO && Math.max(overheadSmall, overheadBig) <= TARGET_OVERHEAD,
  };
}

function printTable(all: Partial<Record<BackendName, Results>>) {
  const names = Object.keys(all) as BackendName[];
  const rows: [string, string][] = [
    ['bulk insert, interleaved (rows/s)', 'bulkInsertRowsPerSec'],
    [`bulk insert, ${BIG}-segment flow (rows/s)`, 'bigFlowInsertRowsPerSec'],
    ['single-segment committed insert (rows/s)', 'singleInsertRowsPerSec'],
    ...(['exec', 'raw'] as const).flatMap((m) =>
      (['small', 'big'] as const).flatMap((f): [string, string][] =>
        (['p50', 'p99'] as const).map((p) => [
          `window ${m === 'exec' ? 'executor' : 'raw SQL '} ${f === 'small' ? SMALL : BIG}-flow ${p} (ms)`,
          `${m}_${f}_${p}_ms`,
        ]),
      ),
    ),
    [`window ratio big/small, executor (<= ${TARGET_WINDOW_RATIO})`, 'windowRatio'],
    ['window ratio big/small, raw SQL', 'rawWindowRatio'],
    [`executor overhead, small flow (<= ${TARGET_OVERHEAD})`, 'overheadSmall'],
    [`executor overhead, big flow (<= ${TARGET_OVERHEAD})`, 'overheadBig'],
    ['targets met', 'targetsMet'],
  ];
  console.log(`\n${'metric'.padEnd(52)}${names.map((n) => n.padStart(14)).join('')}`);
  for (const [label, key] of rows)
    console.log(`${label.padEnd(52)}${names.map((n) => String(all[n]![key]).padStart(14)).join('')}`);
}

async function main(): Promise<number> {
  const started = performance.now();
  console.log(
    `executor bench: scale ${SCALE}; ${FLOWS} flows x ${PER_FLOW} interleaved, flows of ${SMALL} and ${BIG} ` +
      `segments, ${SINGLES} single inserts, ${QUERIES} window queries of ${PAGE} per flow and mode`,
  );
  const all: Partial<Record<BackendName, Results>> = {};
  for (const backend of BACKENDS as BackendName[]) {
    const cleanups: (() => Promise<void>)[] = [];
    try {
      all[backend] = await runBackend(backend, cleanups);
    } finally {
      // Reverse order: close connections before dropping the database or deleting the file.
      for (const cleanup of cleanups.reverse())
        await cleanup().catch((e: unknown) => log(`cleanup: ${String(e)}`));
    }
  }
  printTable(all);
  const seconds = round((performance.now() - started) / 1000, 1);
  console.log(`\ntotal ${seconds} s`);
  console.log(JSON.stringify({ bench: 'executor', scale: SCALE, seconds, ...all }));
  return Object.values(all).every((r) => r.targetsMet) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(2);
  },
);
