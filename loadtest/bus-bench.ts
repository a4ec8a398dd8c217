/**
 * Event bus benchmark (issue 12 §7): what the Redis bus saves the database, and what it costs in
 * latency, against every gateway polling the outbox itself. One PostgreSQL database, one redis-server
 * of the bench's own, N "gateways" in this process, each with its own connection pool (as a process
 * has), its own feed and one listener (a subscribed, idle gateway); for the bus, each also runs a
 * follower (embedded replicas do; one holds the lease, the others stand by).
 *
 * 1. Idle: SQL statements per second reaching PostgreSQL (every statement of every pool, counted at the
 *    pg client, BEGIN and COMMIT included) while nothing is written, outbox poll vs bus.
 * 2. Latency: events written at a steady rate by one more pool (the process whose commits wake the
 *    holding follower, as the media role's do), the time from the commit to each gateway's listener,
 *    p50 and p99, outbox poll vs bus; and statements per second under that load.
 *
 *   npx tsx loadtest/bus-bench.ts
 *   BENCH_GATEWAYS=4 BENCH_IDLE_S=5 BENCH_EVENTS=200 BENCH_RATE=50 npx tsx loadtest/bus-bench.ts
 *   BENCH_ROUND_GAP_MS=5 npx tsx loadtest/bus-bench.ts    the follower's round gap (default 20 ms)
 *   BENCH_WRITER=standby npx tsx loadtest/bus-bench.ts    writes through a replica without the lease
 *
 * Progress goes to stderr; the results table and one final JSON line to stdout.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { startRedisServer } from '../lib/cache/test-support/redis-server.js';
import type { EventFeed } from '../lib/events/event-feed.js';
import { OutboxFeed } from '../lib/events/outbox-feed.js';
import { StreamFeed } from '../lib/events/stream-feed.js';
import { StreamFollower } from '../lib/events/stream-follower.js';
import type { Executor } from '../lib/executor/index.js';
import { PostgresExecutor } from '../lib/executor/index.js';
import { createTestDatabase } from '../lib/executor/test-support/postgres-test-database.js';

const GATEWAYS = Number(process.env.BENCH_GATEWAYS ?? 8);
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 10);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 300);
const RATE = Number(process.env.BENCH_RATE ?? 50);
/** The follower's shortest time between rounds (its default 20 ms): DB statements vs latency. */
const ROUND_GAP_MS = Number(process.env.BENCH_ROUND_GAP_MS ?? 20);
/** The writer's process does not hold the lease (a write through another replica). */
const WRITER_STANDBY = process.env.BENCH_WRITER === 'standby';
const log = (line: string) => process.stderr.write(`${line}\n`);

// Every SQL statement of every pool in this process goes through pg.Client#query.
let statements = 0;
// eslint-disable-next-line @typescript-eslint/unbound-method -- applied to each client below
const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  statements++;
  return query.apply(this, args);
} as typeof pg.Client.prototype.query;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};

const db = await createTestDatabase('tams_bus_bench');
const redisServer = await startRedisServer();
const open = () => PostgresExecutor.open({ url: db.url, poolSize: 2 });

interface Mode {
  readonly name: 'outbox poll' | 'redis bus';
  readonly feed: (executor: Executor) => EventFeed;
  readonly follower?: (executor: Executor, n: number) => StreamFollower;
}

let run = 0;
const modes: Mode[] = [
  { name: 'outbox poll', feed: (executor) => new OutboxFeed(executor) },
  {
    name: 'redis bus',
    feed: (executor) => new StreamFeed(executor, { redisUrl: redisServer.url, prefix: `bench:${run}:` }),
    follower: (executor, n) =>
      new StreamFollower(executor, {
        redisUrl: redisServer.url,
        prefix: `bench:${run}:`,
        consumer: `bench-${run}`,
        owner: `gateway-${n}`,
        roundGapMs: ROUND_GAP_MS,
      }),
  },
];

interface Result {
  mode: string;
  idleStatementsPerS: number;
  loadedStatementsPerS: number;
  p50Ms: number;
  p99Ms: number;
  delivered: number;
  expected: number;
  duplicates: number;
}
const results: Result[] = [];

for (const mode of modes) {
  run++;
  log(`${mode.name}: ${GATEWAYS} gateways`);
  const writer = await open();
  const executors: Executor[] = [];
  const feeds: EventFeed[] = [];
  const followers: StreamFollower[] = [];
  /** When each written event (by its unique flow id) committed, and when it reached each gateway. */
  const committedAt = new Map<string, number>();
  const arrivals: { flowId: string; at: number }[] = [];
  let duplicates = 0;
  // The writer's process: its commits wake its follower, which holds the lease (started first), or
  // with BENCH_WRITER=standby stands by and passes each wake on to the holder through Redis.
  let writerFollower: StreamFollower | undefined;
  const startWriterFollower = async () => {
    writerFollower = mode.follower!(writer, 0);
    writerFollower.start();
    followers.push(writerFollower);
    if (!WRITER_STANDBY) while (!writerFollower.isHolder) await sleep(10);
  };
  if (mode.follower && !WRITER_STANDBY) await startWriterFollower();
  for (let g = 0; g < GATEWAYS; g++) {
    const executor = await open();
    executors.push(executor);
    if (mode.follower) {
      const f = mode.follower(executor, g + 1);
      f.start();
      followers.push(f);
    }
    const feed = mode.feed(executor);
    feeds.push(feed);
    const got = new Set<bigint>();
    await feed.listen((event) => {
      if (got.has(event.position)) duplicates++;
      got.add(event.position);
      if (event.flowId) arrivals.push({ flowId: event.flowId, at: performance.now() });
    });
  }
  if (mode.follower && WRITER_STANDBY) await startWriterFollower();
  await sleep(2000); // connections up, heartbeats written

  statements = 0;
  let began = performance.now();
  await sleep(IDLE_S * 1000);
  const idle = statements / ((performance.now() - began) / 1000);
  log(`  idle: ${idle.toFixed(1)} statements/s`);

  statements = 0;
  began = performance.now();
  for (let i = 0; i < EVENTS; i++) {
    const due = began + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const flowId = randomUUID();
    await writer.transaction((tx) =>
      tx.insert('event_outbox', [
        {
          event_type: 'flows/updated',
          event_timestamp: new Date(),
          flow_id: flowId,
          source_id: null,
          payload: {},
        },
      ]),
    );
    committedAt.set(flowId, performance.now());
    writerFollower?.wake();
  }
  const loadedS = (performance.now() - began) / 1000;
  const loaded = statements / loadedS;
  const expected = EVENTS * GATEWAYS;
  for (let waited = 0; arrivals.length < expected && waited < 20_000; waited += 50) await sleep(50);
  // An arrival handled before the commit's own reply counts as 0 ms.
  const latencies = arrivals.map((a) => Math.max(0, a.at - committedAt.get(a.flowId)!));
  log(`  loaded: ${loaded.toFixed(1)} statements/s, delivered ${latencies.length}/${expected}`);
  results.push({
    mode: mode.name,
    idleStatementsPerS: Math.round(idle * 10) / 10,
    loadedStatementsPerS: Math.round(loaded * 10) / 10,
    p50Ms: Math.round(quantile(latencies, 0.5) * 10) / 10,
    p99Ms: Math.round(quantile(latencies, 0.99) * 10) / 10,
    delivered: latencies.length,
    expected,
    duplicates,
  });
  await Promise.all(feeds.map((f) => f.close()));
  await Promise.all(followers.map((f) => f.stop()));
  await Promise.all([...executors, writer].map((e) => e.close()));
}

await redisServer.stop();
await db.drop();

const pad = (v: string | number, n: number) => String(v).padStart(n);
console.log(
  `${'mode'.padEnd(12)} ${pad('idle stmt/s', 12)} ${pad('loaded stmt/s', 14)} ${pad('p50 ms', 8)} ${pad('p99 ms', 8)} ${pad('delivered', 12)} ${pad('dups', 5)}`,
);
for (const r of results)
  console.log(
    `${r.mode.padEnd(12)} ${pad(r.idleStatementsPerS, 12)} ${pad(r.loadedStatementsPerS, 14)} ${pad(r.p50Ms, 8)} ${pad(r.p99Ms, 8)} ${pad(`${r.delivered}/${r.expected}`, 12)} ${pad(r.duplicates, 5)}`,
  );
console.log(
  JSON.stringify({
    gateways: GATEWAYS,
    idleSeconds: IDLE_S,
    events: EVENTS,
    rate: RATE,
    roundGapMs: ROUND_GAP_MS,
    writer: WRITER_STANDBY ? 'standby' : 'holder',
    results,
  }),
);
process.exit(0);
