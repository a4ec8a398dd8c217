/**
 * Arrow export benchmark (issue 13 §4): exports a 1M-segment flow from a `tams serve` process (embedded,
 * SQLite, and on PostgreSQL) and reports the server's peak RSS (Linux VmHWM, reset between phases
 * through /proc/PID/clear_refs), against two baselines of the same run: the idle server after a warm-up,
 * and a 100k-segment export of the same flow. Constant memory means the 1M peak is the 100k peak, and
 * a slow reader (throttled to ~20 MB/s) does not raise it.
 *
 *   npx tsx loadtest/export-bench.ts                    1M segments, both backends
 *   BENCH_SEGMENTS=200000 BENCH_BACKENDS=sqlite ...     smaller / one backend
 *
 * Progress to stderr; a table and one JSON line to stdout. Linux only (reads /proc).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { RecordBatchReader } from 'apache-arrow';
import { loadConfig } from '../lib/config/config.js';
import type { InsertRow } from '../lib/executor/index.js';
import { openExecutor } from '../lib/executor/index.js';
import { createTestDatabase } from '../lib/executor/test-support/postgres-test-database.js';
import { formatTimeRange, makeTimeRange, NS_PER_SECOND } from '../lib/tams/index.js';
import { spawnServe } from '../test/support/serve-process.js';

const SEGMENTS = Number(process.env.BENCH_SEGMENTS ?? '1000000');
const BACKENDS = (process.env.BENCH_BACKENDS ?? 'sqlite,postgres').split(',').map((b) => b.trim());
const INSERT_BATCH = 50_000;
const SMALL = SEGMENTS / 10;
/** The server's V8 old-generation cap (MiB); BENCH_HEAP_MB=0 leaves V8's default. */
const HEAP_MB = Number(process.env.BENCH_HEAP_MB ?? '128');

const log = (msg: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const mib = (kb: number) => Math.round((kb / 1024) * 10) / 10;

/** Peak resident set of a process since its last reset, in kB. */
function peakKb(pid: number): number {
  return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
}
/** Resets the peak to the current resident set (`echo 5 > /proc/PID/clear_refs`). */
function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

interface ExportRun {
  rows: number;
  batches: number;
  bytes: number;
  ms: number;
  peakMiB: number;
}

/** GETs an export and reads it with apache-arrow's reader; `throttle` sleeps after each MiB read. */
async function runExport(url: string, pid: number, throttleMs = 0): Promise<ExportRun> {
  resetPeak(pid);
  const started = performance.now();
  const body = await new Promise<IncomingMessage>((resolve, reject) => {
    request(url, (res) =>
      res.statusCode === 200 ? resolve(res) : reject(new Error(`${url}: ${res.statusCode}`)),
    )
      .on('error', reject)
      .end();
  });
  let bytes = 0;
  let sinceSleep = 0;
  async function* counted() {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      sinceSleep += chunk.length;
      if (throttleMs > 0 && sinceSleep >= 1 << 20) {
        sinceSleep = 0;
        await sleep(throttleMs);
      }
      yield chunk;
    }
  }
  let rows = 0;
  let batches = 0;
  for await (const batch of await RecordBatchReader.from(counted())) {
    rows += batch.numRows;
    batches++;
  }
  return { rows, batches, bytes, ms: Math.round(performance.now() - started), peakMiB: mib(peakKb(pid)) };
}

async function bench(backend: string) {
  const dir = mkdtempSync(join(tmpdir(), 'tams-export-bench-'));
  const db = backend === 'postgres' ? await createTestDatabase('tams_export_bench') : undefined;
  const env = { TAMS_DATA_DIR: dir, ...(db ? { TAMS_DATABASE_URL: db.url } : {}) };
  const server = await spawnServe({
    ...env,
    TAMS_PORT: '0',
    TAMS_AUTH: 'off',
    TAMS_LOG_LEVEL: 'warn',
    // A small old generation: the export must not need more than its batches (it would die otherwise),
    // and V8 collects before growing, so the peak RSS shows what is live rather than uncollected garbage.
    NODE_OPTIONS: HEAP_MB > 0 ? `--max-old-space-size=${HEAP_MB}` : '',
  });
  const pid = server.child.pid!;
  try {
    const flowId = randomUUID();
    const put = await fetch(`${server.url}/flows/${flowId}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: flowId, source_id: randomUUID(), format: 'urn:x-nmos:format:multi' }),
    });
    if (put.status !== 201) throw new Error(`PUT flow: ${put.status}`);
    // Straight into the table (the export reads the index only), through a second connection.
    const executor = await openExecutor(loadConfig(env).database);
    try {
      for (let from = 0; from < SEGMENTS; from += INSERT_BATCH) {
        const rows: InsertRow<'segments'>[] = [];
        for (let i = from; i < Math.min(SEGMENTS, from + INSERT_BATCH); i++)
          rows.push({
            flow_id: flowId,
            timerange: makeTimeRange({
              start: BigInt(i) * 6n * NS_PER_SECOND,
              end: BigInt(i + 1) * 6n * NS_PER_SECOND,
            }),
            object_id: `bench-object-${i}`,
            created: new Date(),
          });
        await executor.insert('segments', rows);
      }
    } finally {
      await executor.close();
    }
    log(`${backend}: ${SEGMENTS} segments stored`);
    const base = `${server.url}/export/flows/${flowId}/segments`;
    const upTo = (n: number) =>
      `${base}?timerange=${encodeURIComponent(formatTimeRange(makeTimeRange({ start: 0n, end: BigInt(n) * 6n * NS_PER_SECOND })))}`;
    await runExport(upTo(20_000), pid); // warm-up
    resetPeak(pid);
    await sleep(200);
    const idleMiB = mib(peakKb(pid));
    const small = await runExport(upTo(SMALL), pid);
    const full = await runExport(base, pid);
    const slow = await runExport(base, pid, 50);
    for (const [name, r, n] of [
      ['small', small, SMALL],
      ['full', full, SEGMENTS],
      ['slow', slow, SEGMENTS],
    ] as const)
      if (r.rows !== n) throw new Error(`${backend} ${name}: ${r.rows} rows, expected ${n}`);
    return { backend, idleMiB, small, full, slow };
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [];
for (const backend of BACKENDS) results.push(await bench(backend));
console.log(
  `\nexport of a ${SEGMENTS}-segment flow; server peak RSS (MiB) per phase, reset before each; ` +
    `slow = client reading ~20 MB/s`,
);
console.log(
  'backend  | idle | 10% export: peak, rows/s | full export: peak, rows/s, MB | slow reader: peak | full peak / 10% peak',
);
for (const r of results) {
  const rate = (x: ExportRun) => Math.round(x.rows / (x.ms / 1000));
  console.log(
    `${r.backend.padEnd(8)} | ${r.idleMiB} | ${r.small.peakMiB}, ${rate(r.small)} | ` +
      `${r.full.peakMiB}, ${rate(r.full)}, ${Math.round(r.full.bytes / 1e6)} (${r.full.batches} batches) | ` +
      `${r.slow.peakMiB} | ${(r.full.peakMiB / r.small.peakMiB).toFixed(2)}`,
  );
}
console.log(JSON.stringify({ segments: SEGMENTS, results }));
