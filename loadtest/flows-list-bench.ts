/**
 * `GET /flows?limit=100` as the store grows (issue 15 §3: "≤ 5 ms CPU per page; first page p95 flat
 * from 100 to 10M flows"). For each size, flows are added straight through the executor (one source;
 * plain rows, as PUT /flows would store them), then `tams serve` runs on the file as its own process and
 * (the built one, as installed: `npm run build` first) is read page after page on keep-alive connections: the first page, and a page deep in the listing
 * (following `Link: rel="next"`). Reported per size: CPU ms per page of the server process (/proc),
 * p50/p95/p99 latency, and its idle RSS before the reads.
 *
 *   npx tsx loadtest/flows-list-bench.ts                      sizes 100, 10k, 100k, 1M
 *   BENCH_FLOWS=100,1000000,10000000 npx tsx loadtest/flows-list-bench.ts
 *   BENCH_PAGES=300 (requests per measurement, default 400)   BENCH_CONNECTIONS=4 (default)
 *   BENCH_SERVE_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'   (profile the server)
 *
 * Progress on stderr; a Markdown table and one JSON line on stdout.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Agent, request } from 'undici';
import { SqliteExecutor } from '../lib/executor/index.js';
import { bearer, createToken } from '../test/support/admin-token.js';
import { spawnServe } from '../test/support/serve-process.js';
import { cpuSeconds, rssBytes } from './proc-stats.js';

const SIZES = (process.env.BENCH_FLOWS ?? '100,10000,100000,1000000').split(',').map(Number);
const PAGES = Number(process.env.BENCH_PAGES ?? 400);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 4);
const BATCH = 5000;
const say = (line: string) => process.stderr.write(`${line}\n`);

const dir = mkdtempSync(join(tmpdir(), 'tams-flows-bench-'));
const path = join(dir, 'tams.sqlite3');

/** Adds flows until the store holds `target`, in batches (one transaction each). */
async function growTo(executor: SqliteExecutor, sourceId: string, have: number, target: number) {
  const now = new Date();
  for (let n = have; n < target;) {
    const count = Math.min(BATCH, target - n);
    const rows = Array.from({ length: count }, (_, i) => ({
      id: randomUUID(),
      source_id: sourceId,
      format: 'urn:x-nmos:format:video',
      codec: 'video/h264',
      container: 'video/mp2t',
      label: `flow ${n + i}`,
      description: null,
      tags: { channel: String((n + i) % 20) },
      read_only: null,
      generation: null,
      frame_width: 1920,
      frame_height: 1080,
      essence_parameters: { frame_rate: { numerator: 25, denominator: 1 } },
      segment_duration: null,
      container_mapping: null,
      avg_bit_rate: null,
      max_bit_rate: null,
      extra: null,
      created: now,
      created_by: 'bench',
      updated_by: null,
      metadata_updated: now,
      metadata_version: randomUUID(),
      segments_updated: null,
    }));
    await executor.insert('flows', rows);
    n += count;
    if (n % 100_000 === 0 || n === target) say(`  ${n.toLocaleString('en')} flows`);
    // Beyond the first batch the rows are copies of one the executor stored (every column as PUT /flows
    // stores it) with a new id, label and tag, made inside SQLite: through the executor the file grew at
    // 60-100k flows a minute here, which put 10M flows two hours away.
    if (n >= BATCH && n < target) {
      copyFlowsInSqlite(n, target);
      return;
    }
  }
}

/** Grows `flows` from `have` to `target` rows by copying a stored row, 100k rows per transaction. */
function copyFlowsInSqlite(have: number, target: number) {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    const columns = (db.prepare(`PRAGMA table_info(flows)`).all() as { name: string }[]).map((c) => c.name);
    const fresh: Record<string, string> = {
      // a random version-4 UUID, as randomUUID() would make it
      id: `lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' ||
            substr('89ab', 1 + abs(random()) % 4, 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))`,
      label: `'flow ' || n`,
      tags: `json_object('channel', cast(n % 20 AS TEXT))`,
    };
    const select = columns.map((c) => fresh[c] ?? `t.${c}`).join(', ');
    const copy = db.prepare(`
      WITH RECURSIVE k(n) AS (SELECT ? UNION ALL SELECT n + 1 FROM k WHERE n + 1 < ?)
      INSERT INTO flows (${columns.join(', ')})
      SELECT ${select} FROM k, (SELECT * FROM flows LIMIT 1) AS t`);
    for (let n = have; n < target;) {
      const end = Math.min(target, n + 100_000);
      db.transaction(() => copy.run(n, end))();
      n = end;
      say(`  ${n.toLocaleString('en')} flows`);
    }
  } finally {
    db.close();
  }
}

interface Measurement {
  readonly cpuMsPerPage: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

async function measure(
  url: string,
  pid: number,
  auth: Record<string, string>,
  path: string,
): Promise<Measurement> {
  const dispatcher = new Agent({ connections: CONNECTIONS });
  const get = async () => {
    const started = performance.now();
    const res = await request(`${url}${path}`, { dispatcher, headers: auth });
    const body = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`GET ${path}: ${res.statusCode} ${body.slice(0, 200)}`);
    return performance.now() - started;
  };
  for (let i = 0; i < 50; i++) await get(); // warm-up
  const before = cpuSeconds(pid);
  const times: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next++ < PAGES) times.push(await get());
    }),
  );
  const after = cpuSeconds(pid);
  await dispatcher.close();
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)]!;
  const cpu = after.user + after.system - before.user - before.system;
  return { cpuMsPerPage: (cpu * 1000) / times.length, p50: q(0.5), p95: q(0.95), p99: q(0.99) };
}

/** The path of a page about halfway through the listing (keyset paging: as cheap as the first, or not). */
async function deepPagePath(url: string, auth: Record<string, string>, flows: number): Promise<string> {
  let path = '/flows?limit=100';
  const hops = Math.min(20, Math.floor(flows / 200));
  for (let i = 0; i < hops; i++) {
    const res = await request(`${url}${path}`, { headers: auth });
    await res.body.text();
    const link = String(res.headers.link ?? '');
    const next = /<([^>]+)>;\s*rel="next"/.exec(link)?.[1];
    if (!next) break;
    const u = new URL(next);
    path = `${u.pathname}${u.search}`;
  }
  return path;
}

const executor = await SqliteExecutor.open({ path });
const sourceId = randomUUID();
const now = new Date();
await executor.insert('sources', [
  {
    id: sourceId,
    format: 'urn:x-nmos:format:video',
    label: 'bench',
    description: null,
    tags: null,
    created: now,
    created_by: 'bench',
    updated: now,
    updated_by: null,
  },
] as never);
const auth = bearer(await createToken({ kind: 'sqlite', path, synchronous: 'NORMAL' }));
await executor.close();

const rows: { flows: number; page: string; idleRssMiB: number; m: Measurement }[] = [];
let have = 0;
try {
  for (const size of SIZES) {
    say(`growing to ${size.toLocaleString('en')} flows`);
    const writer = await SqliteExecutor.open({ path });
    await growTo(writer, sourceId, have, size);
    have = size;
    await writer.close();
    const serve = await spawnServe(
      {
        TAMS_DATA_DIR: dir,
        TAMS_PORT: '0',
        TAMS_LOG_LEVEL: 'warn',
      },
      // e.g. BENCH_SERVE_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the server
      { built: true, nodeArgs: (process.env.BENCH_SERVE_NODE_ARGS ?? '').split(' ').filter(Boolean) },
    );
    try {
      const pid = serve.child.pid!;
      await new Promise((resolve) => setTimeout(resolve, 2000)); // settle before reading idle RSS
      const idleRssMiB = rssBytes(pid) / 2 ** 20;
      for (const [page, pagePath] of [
        ['first', '/flows?limit=100'],
        ['deep', await deepPagePath(serve.url, auth, size)],
      ] as const) {
        const m = await measure(serve.url, pid, auth, pagePath);
        rows.push({ flows: size, page, idleRssMiB, m });
        say(
          `  ${page} page: ${m.cpuMsPerPage.toFixed(2)} ms CPU/page, p50 ${m.p50.toFixed(1)} p95 ${m.p95.toFixed(1)} p99 ${m.p99.toFixed(1)} ms, idle RSS ${idleRssMiB.toFixed(0)} MiB`,
        );
      }
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(
  `GET /flows?limit=100, ${PAGES} pages per row on ${CONNECTIONS} connections; load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} at the end\n`,
);
console.log('| flows | page | CPU ms/page | p50 ms | p95 ms | p99 ms | idle RSS MiB |');
console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows)
  console.log(
    `| ${r.flows.toLocaleString('en')} | ${r.page} | ${r.m.cpuMsPerPage.toFixed(2)} | ${r.m.p50.toFixed(1)} | ${r.m.p95.toFixed(1)} | ${r.m.p99.toFixed(1)} | ${r.idleRssMiB.toFixed(0)} |`,
  );
console.log(JSON.stringify({ bench: 'flows-list', pages: PAGES, rows }));
