/**
 * The worth of the cache tier (issue 12 §7): hot entity reads on PostgreSQL through two gateway
 * replicas (`tams serve` processes on one database), with the shared Redis cache and without it
 * (TAMS_CACHE=off), in the same run, interleaved. Four processes run at once (two per variant, all on
 * one database); requests go round-robin to the two replicas of the variant being measured.
 *
 * Per variant and workload: requests per second, p50/p99 latency, and **database round trips per
 * request**: PostgreSQL's committed transactions (`pg_stat_database.xact_commit`; every statement
 * outside a transaction is one) over the phase, less what the idle processes commit in as long (their
 * background workers), divided by the requests.
 *
 * Workloads: GraphQL `flow(id) { … source { … } stats { segmentCount } }` and REST `GET /flows/{id}`,
 * over a set of flows read again and again (hot). Authentication on (an API token), as deployed.
 *
 *   npm run build && npx tsx loadtest/cache-bench.ts
 *   BENCH_REQUESTS=1000 BENCH_ROUNDS=2 npx tsx loadtest/cache-bench.ts     quick run
 *
 * Progress goes to stderr; a Markdown table and one JSON line to stdout.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { Agent, request } from 'undici';
import { startRedisServer } from '../lib/cache/test-support/redis-server.js';
import { ADMIN_URL, createTestDatabase } from '../lib/executor/test-support/postgres-test-database.js';
import { bearer, createToken } from '../test/support/admin-token.js';
import type { ServeProcess } from '../test/support/serve-process.js';
import { spawnServe } from '../test/support/serve-process.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const FLOWS = Number(process.env.BENCH_FLOWS ?? 50);
const say = (line: string) => process.stderr.write(`${line}\n`);

const db = await createTestDatabase('tams_cache_bench');
const redis = await startRedisServer();
const dir = mkdtempSync(join(tmpdir(), 'tams-cache-bench-'));
const processes: ServeProcess[] = [];
const stats = new pg.Client({ connectionString: ADMIN_URL });

try {
  const common = {
    TAMS_DATABASE_URL: db.url,
    TAMS_DATA_DIR: dir,
    TAMS_PORT: '0',
    TAMS_LOG_LEVEL: 'warn',
  };
  say('starting 2 replicas with the Redis cache and 2 with TAMS_CACHE=off, on one PostgreSQL database');
  const first = await spawnServe({ ...common, TAMS_REDIS_URL: redis.url }, { built: true });
  processes.push(first);
  const rest = await Promise.all([
    spawnServe({ ...common, TAMS_REDIS_URL: redis.url }, { built: true }),
    spawnServe({ ...common, TAMS_CACHE: 'off' }, { built: true }),
    spawnServe({ ...common, TAMS_CACHE: 'off' }, { built: true }),
  ]);
  processes.push(...rest);
  const variants = {
    cache: [first.url, rest[0].url],
    'no cache': [rest[1].url, rest[2].url],
  };
  const token = await createToken({ kind: 'postgres', url: db.url, poolSize: 2, statementTimeoutMs: 30_000 });
  const headers = { ...bearer(token), 'content-type': 'application/json' };
  const dispatcher = new Agent({ connections: CONCURRENCY * 2, keepAliveTimeout: 60_000 });

  say(`creating ${FLOWS} flows`);
  const flows: string[] = [];
  for (let i = 0; i < FLOWS; i++) {
    const id = randomUUID();
    const res = await request(`${first.url}/flows/${id}`, {
      method: 'PUT',
      headers,
      dispatcher,
      body: JSON.stringify({
        id,
        source_id: randomUUID(),
        format: 'urn:x-nmos:format:video',
        codec: 'video/h264',
        container: 'video/mp2t',
        label: `camera ${i}`,
        essence_parameters: { frame_width: 1920, frame_height: 1080 },
      }),
    });
    await res.body.dump();
    if (res.statusCode !== 201) throw new Error(`PUT /flows answered ${res.statusCode}`);
    flows.push(id);
  }

  const QUERY = `query Hot($id: ID!) { flow(id: $id) { id label format codec tags { name value } source { id label format } stats { segmentCount } } }`;
  const workloads: Record<string, (base: string, flow: string) => Promise<number>> = {
    'graphql flow+source+stats': async (base, flow) => {
      const res = await request(`${base}/graphql`, {
        method: 'POST',
        headers,
        dispatcher,
        body: JSON.stringify({ query: QUERY, variables: { id: flow } }),
      });
      const body = (await res.body.json()) as { errors?: unknown[] };
      if (body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
      return res.statusCode;
    },
    'rest GET /flows/{id}': async (base, flow) => {
      const res = await request(`${base}/flows/${flow}`, { headers, dispatcher });
      await res.body.dump();
      return res.statusCode;
    },
  };

  await stats.connect();
  const committed = async () => {
    const { rows } = await stats.query<{ n: string }>(
      'SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1',
      [db.name],
    );
    return Number(rows[0]!.n);
  };
  /** Statistics reach pg_stat_database when a backend has been idle a moment (PostgreSQL 15: ~1 s). */
  const settle = () => sleep(2500);

  async function phase(urls: readonly string[], run: (base: string, flow: string) => Promise<number>) {
    const latencies: number[] = [];
    let next = 0;
    let failed = 0;
    await settle();
    const before = await committed();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < REQUESTS; i = next++) {
          const t = performance.now();
          const status = await run(urls[i % urls.length]!, flows[i % flows.length]!);
          if (status !== 200) failed++;
          latencies.push(performance.now() - t);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    await settle();
    const transactions = (await committed()) - before;
    // The idle background (workers' polls, lease renewals) of all four processes, over as long a window
    // (the run and one settle). The counter's own queries run on another database.
    const idleBefore = await committed();
    await sleep(seconds * 1000);
    await settle();
    const idle = (await committed()) - idleBefore;
    latencies.sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
    return {
      rps: REQUESTS / seconds,
      p50: at(0.5),
      p99: at(0.99),
      failed,
      roundTrips: Math.max(0, transactions - Math.max(0, idle)) / REQUESTS,
    };
  }

  // Warm-up: fills the cache, JITs both variants.
  for (const [name, urls] of Object.entries(variants))
    for (const run of Object.values(workloads)) {
      say(`warming up ${name}`);
      for (let i = 0; i < flows.length * 2; i++) await run(urls[i % 2]!, flows[i % flows.length]!);
    }

  type Result = Awaited<ReturnType<typeof phase>>;
  const results = new Map<string, Result[]>();
  for (let round = 1; round <= ROUNDS; round++)
    for (const [workload, run] of Object.entries(workloads))
      for (const [variant, urls] of round % 2
        ? Object.entries(variants)
        : Object.entries(variants).reverse()) {
        const r = await phase(urls, run);
        say(
          `round ${round} ${workload} ${variant}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, ${r.roundTrips.toFixed(2)} DB round trips/request, ${r.failed} failed`,
        );
        const key = `${workload}|${variant}`;
        results.set(key, [...(results.get(key) ?? []), r]);
      }

  const median = (values: number[]) => {
    const s = [...values].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)]!;
  };
  const summary = [...results].map(([key, rs]) => {
    const [workload, variant] = key.split('|') as [string, string];
    return {
      workload,
      variant,
      rps: median(rs.map((r) => r.rps)),
      p50_ms: median(rs.map((r) => r.p50)),
      p99_ms: median(rs.map((r) => r.p99)),
      db_round_trips_per_request: median(rs.map((r) => r.roundTrips)),
      failed: rs.reduce((n, r) => n + r.failed, 0),
    };
  });
  console.log(
    `\nHot reads, 2 replicas on PostgreSQL, ${CONCURRENCY} concurrent clients, ${REQUESTS} requests × ${ROUNDS} rounds (medians)\n`,
  );
  console.log('| workload | variant | req/s | p50 ms | p99 ms | DB round trips / request | failed |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const s of summary)
    console.log(
      `| ${s.workload} | ${s.variant} | ${s.rps.toFixed(0)} | ${s.p50_ms.toFixed(2)} | ${s.p99_ms.toFixed(2)} | ${s.db_round_trips_per_request.toFixed(2)} | ${s.failed} |`,
    );
  for (const workload of Object.keys(workloads)) {
    const on = summary.find((s) => s.workload === workload && s.variant === 'cache')!;
    const off = summary.find((s) => s.workload === workload && s.variant === 'no cache')!;
    console.log(
      `\n${workload}: round trips cut by ${(100 * (1 - on.db_round_trips_per_request / off.db_round_trips_per_request)).toFixed(0)}%, throughput ×${(on.rps / off.rps).toFixed(2)}`,
    );
  }
  console.log(JSON.stringify({ bench: 'cache', requests: REQUESTS, rounds: ROUNDS, summary }));
  await dispatcher.close();
} finally {
  await stats.end().catch(() => undefined);
  for (const p of processes) p.child.kill('SIGTERM');
  await Promise.all(processes.map((p) => p.exited));
  await redis.stop();
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
}
