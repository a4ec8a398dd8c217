/**
 * Subscription fan-out across gateway processes (issue 12 §7): N `node bin/tams.js serve` processes on
 * one database (a fresh PostgreSQL database, dropped afterwards; or, with one gateway, the embedded
 * SQLite store) and, when TAMS_REDIS_URL is set or `--redis` is given, one Redis. The subscribers are
 * split evenly over the gateways (graphql-ws, `flowUpdated(id) { stats { segmentCount } }`, in client
 * processes of their own: fanout-clients.ts); a writer in this process posts segments through the first
 * gateway at a fixed rate (open loop: each write is sent at its time whatever the others do), round
 * robin over the flows, one write in flight per flow so that a flow's count says which of its writes a
 * state reflects. Measured per (subscriber, write): the time from sending the write (just before its
 * request starts) to the first state that reflects it, and from the write's 201 to that state (the
 * fan-out's own share; the write's own latency is reported apart, write → 201); writes never reflected
 * (lost), states delivered twice in a row (duplicated) or after a newer one (regressed), and states
 * skipped because a newer one already reflected them (coalesced: subscriptions deliver states, not
 * deltas, docs/decisions.md §16). Also the CPU each gateway used, and how long its event loop's thread
 * waited, runnable, for a core (/proc/<pid>/schedstat: on a shared machine, whether a slow write waited
 * on the code or on the CPU).
 *
 *   npm run build && npx tsx loadtest/fanout-bench.ts [--quick] [options]
 *     --gateways N      gateway processes (default 2; 1 with --sqlite)
 *     --sqlite          one embedded gateway on SQLite instead of PostgreSQL
 *     --subscribers N   in all, split evenly over the gateways (default 1000)
 *     --rate N          writes per second (default 100)
 *     --seconds N       measured seconds (default 30; --quick: 10)
 *     --flows N         flows written round robin (default 4)
 *     --watch all|one   each subscriber watches every flow (default: every write reaches every
 *                       subscriber) or only flow i mod N
 *     --tokens N        distinct API tokens the subscribers use, cycled (default 10)
 *     --redis           start a redis-server (lib/cache/test-support) and pass its TAMS_REDIS_URL
 *     --poll-ms N       passed as TAMS_OUTBOX_POLL_MS (the outbox poll of a gateway without a bus)
 *     --cpu-prof DIR    run the gateways with --cpu-prof, profiles written to DIR
 *     --wide            select a dashboard's worth of flow fields besides the count (~1 KB results)
 *     --tams PATH       the tams.js to run (default bin/tams.js here; another build for A/B runs)
 *
 * Targets (issue 12): p99 ≤ 60 ms, 0 lost, 0 duplicated; exit code 1 when missed. Progress goes to
 * stderr, a table and one final JSON line to stdout.
 */
import type { ChildProcess } from 'node:child_process';
import { fork, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, readdirSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { DatabaseConfig } from '../lib/config/config.js';
import type { TestRedisServer } from '../lib/cache/test-support/redis-server.js';
import { startRedisServer } from '../lib/cache/test-support/redis-server.js';
import type { TestDatabase } from '../lib/executor/test-support/postgres-test-database.js';
import { createTestDatabase } from '../lib/executor/test-support/postgres-test-database.js';
import { bearer, createToken } from '../test/support/admin-token.js';
import { activeSubscriptions } from '../test/support/metrics.js';
import type { ClientFinish, ClientResult, ClientStart } from './fanout-clients.js';
import { cpuSeconds, schedSeconds } from './proc-stats.js';
import { freePort } from '../lib/test-support/free-port.js';

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    sqlite: { type: 'boolean', default: false },
    gateways: { type: 'string' },
    subscribers: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string' },
    flows: { type: 'string', default: '4' },
    watch: { type: 'string', default: 'all' },
    tokens: { type: 'string', default: '10' },
    redis: { type: 'boolean', default: false },
    'poll-ms': { type: 'string' },
    'cpu-prof': { type: 'string' },
    tams: { type: 'string' },
    wide: { type: 'boolean', default: false },
  },
});
const GATEWAYS = Number(opts.gateways ?? (opts.sqlite ? 1 : 2));
const SUBSCRIBERS = Number(opts.subscribers);
const RATE = Number(opts.rate);
const SECONDS = Number(opts.seconds ?? (opts.quick ? 10 : 30));
const FLOWS = Number(opts.flows);
const WATCH = opts.watch === 'one' ? 'one' : 'all';
const TOKENS = Number(opts.tokens);
if (opts.sqlite && GATEWAYS !== 1) throw new Error('--sqlite is one embedded gateway: drop --gateways');
const root = new URL('..', import.meta.url).pathname;
const log = (line: string) => process.stderr.write(`${line}\n`);
const now = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The gateways run dist/: refuse to measure a build older than the sources. */
function checkBuild(): void {
  const built = (() => {
    try {
      return statSync(join(root, 'dist/cli/tams.js')).mtimeMs;
    } catch {
      return 0;
    }
  })();
  const newest = (dir: string): number =>
    Math.max(
      0,
      ...readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
        .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
        .map((e) => statSync(join(e.parentPath, e.name)).mtimeMs),
    );
  if (built < Math.max(...['gateway', 'lib', 'subgraphs', 'cli'].map(newest)))
    throw new Error('dist/ is missing or older than the sources: run `npm run build` first');
}

interface Gateway {
  readonly url: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
}

function runTams(args: string[], env: Record<string, string>, nodeArgs: string[] = []): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, opts.tams ?? join(root, 'bin/tams.js'), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

async function startGateway(env: Record<string, string>, index: number): Promise<Gateway> {
  const port = await freePort();
  const nodeArgs = opts['cpu-prof']
    ? ['--cpu-prof', '--cpu-prof-dir', opts['cpu-prof'], `--cpu-prof-name=gateway-${index}.cpuprofile`]
    : [];
  const child = runTams(['serve'], { ...env, TAMS_PORT: String(port) }, nodeArgs);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const url = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries++) {
    if (child.exitCode !== null) throw new Error(`gateway ${index} exited (${child.exitCode}) at start`);
    try {
      if ((await fetch(`${url}/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (tries > 600) throw new Error(`gateway ${index} was not ready after 60 s`);
    await sleep(100);
  }
  return { url, child, exited };
}

const quantile = (sorted: Float64Array, q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN;

let db: TestDatabase | undefined;
let redis: TestRedisServer | undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'tams-fanout-'));
const gateways: Gateway[] = [];
const clients: ChildProcess[] = [];
try {
  if (!opts.tams) checkBuild();
  let database: DatabaseConfig;
  const env: Record<string, string> = {
    TAMS_HOST: '127.0.0.1',
    TAMS_DATA_DIR: dataDir,
    TAMS_LOG_LEVEL: 'warn',
  };
  if (opts.sqlite) {
    database = { kind: 'sqlite', path: join(dataDir, 'tams.sqlite3'), synchronous: 'FULL' };
  } else {
    db = await createTestDatabase('tams_fanout');
    env.TAMS_DATABASE_URL = db.url;
    database = { kind: 'postgres', url: db.url, poolSize: 4, statementTimeoutMs: 30_000 };
  }
  if (opts.redis) {
    redis = await startRedisServer();
    env.TAMS_REDIS_URL = redis.url;
  }
  if (opts['poll-ms']) env.TAMS_OUTBOX_POLL_MS = opts['poll-ms'];
  log(
    `fanout: ${GATEWAYS} gateway(s) on ${opts.sqlite ? 'SQLite' : 'PostgreSQL'}` +
      `${env.TAMS_REDIS_URL ? ` with Redis ${env.TAMS_REDIS_URL}` : ', no Redis'}, ${SUBSCRIBERS} subscribers ` +
      `(${WATCH === 'all' ? 'each watching every flow' : 'one flow each'}), ${RATE} writes/s on ${FLOWS} flows for ${SECONDS} s`,
  );

  // The schema first, once: two processes starting on an empty database would both migrate it.
  const migrate = runTams(['migrate'], env);
  if ((await new Promise((r) => migrate.once('exit', r))) !== 0) throw new Error('tams migrate failed');
  const admin = bearer(await createToken(database, 'fanout-admin'));
  const readers: string[] = [];
  for (let i = 0; i < TOKENS; i++) readers.push(await createToken(database, `fanout-reader-${i}`, ['read']));

  for (let i = 0; i < GATEWAYS; i++) gateways.push(await startGateway(env, i));
  const writeUrl = gateways[0]!.url;
  const rest = async (method: string, path: string, body: unknown) => {
    const response = await fetch(`${writeUrl}${path}`, {
      method,
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status >= 300)
      throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response;
  };

  // The flows, and an object for every write (allocated up front: the writes are segment posts only).
  const warmups = 2;
  const perFlow = Math.ceil((RATE * SECONDS) / FLOWS) + warmups;
  const flows: string[] = [];
  const objects: string[][] = [];
  for (let f = 0; f < FLOWS; f++) {
    const id = randomUUID();
    await rest('PUT', `/flows/${id}`, {
      id,
      source_id: randomUUID(),
      format: 'urn:x-nmos:format:video',
      codec: 'video/h264',
      container: 'video/mp2t',
      label: `fanout ${f}`,
      essence_parameters: { frame_width: 1920, frame_height: 1080 },
    });
    const ids: string[] = [];
    while (ids.length < perFlow) {
      const r = await rest('POST', `/flows/${id}/storage`, { limit: Math.min(1000, perFlow - ids.length) });
      ids.push(
        ...((await r.json()) as { media_objects: { object_id: string }[] }).media_objects.map(
          (o) => o.object_id,
        ),
      );
    }
    flows.push(id);
    objects.push(ids);
  }
  const written = flows.map(() => 0);
  const write = (f: number) => {
    const n = written[f]!;
    written[f] = n + 1;
    return rest('POST', `/flows/${flows[f]}/segments`, {
      object_id: objects[f]![n],
      timerange: `[${n}:0_${n + 1}:0)`,
    });
  };

  // Subscribers: one client process per gateway, its share of them.
  const ready: Promise<void>[] = [];
  const share = (i: number) => Math.floor(SUBSCRIBERS / GATEWAYS) + (i < SUBSCRIBERS % GATEWAYS ? 1 : 0);
  for (let i = 0; i < GATEWAYS; i++) {
    const child = fork(join(root, 'loadtest/fanout-clients.ts'), [], {
      execArgv: ['--import', 'tsx'],
      serialization: 'advanced',
    });
    clients.push(child);
    ready.push(
      new Promise((resolve, reject) => {
        child.once('message', () => resolve());
        child.once('exit', (code) => reject(new Error(`client process ${i} exited (${code})`)));
      }),
    );
    const start: ClientStart = {
      type: 'start',
      url: `${gateways[i]!.url.replace(/^http/, 'ws')}/graphql`,
      tokens: readers,
      subscribers: share(i),
      flows,
      watch: WATCH,
      wide: opts.wide,
    };
    child.send(start);
  }
  await Promise.all(ready);
  const perSubscriber = WATCH === 'all' ? FLOWS : 1;
  for (let i = 0; i < GATEWAYS; i++)
    for (let tries = 0; (await activeSubscriptions(gateways[i]!.url)) !== share(i) * perSubscriber; tries++) {
      if (tries > 1200) throw new Error(`gateway ${i}: the subscriptions did not all become active`);
      await sleep(50);
    }
  const counts = async () => {
    const mins = await Promise.all(
      clients.map(
        (c) =>
          new Promise<Record<number, number>>((resolve) => {
            c.once('message', (m: { min: Record<number, number> }) => resolve(m.min));
            c.send({ type: 'counts' });
          }),
      ),
    );
    return flows.map((_, f) => Math.min(...mins.map((m) => m[f] ?? Infinity)));
  };
  // Warm-up: a few writes per flow, until every subscriber has seen them (plans, caches, JIT).
  for (let w = 0; w < warmups; w++) for (let f = 0; f < FLOWS; f++) await write(f);
  for (let tries = 0; (await counts()).some((c) => c < warmups); tries++) {
    if (tries > 600) throw new Error('the warm-up writes did not reach every subscriber');
    await sleep(50);
  }
  const base = [...written];
  log(`${SUBSCRIBERS} subscribers live; writing`);

  // The measured writes: open loop at RATE, one in flight per flow (its count then orders its writes).
  const sent: number[][] = flows.map(() => []);
  const acked: number[][] = flows.map(() => []);
  const inFlight: Promise<unknown>[] = flows.map(() => Promise.resolve());
  const total = RATE * SECONDS;
  const interval = 1000 / RATE;
  let late = 0;
  let unsent = 0;
  /** Write → its 201, ms. */
  const acks: number[] = [];
  let failedWrites = 0;
  const cpuBefore = gateways.map((g) => cpuSeconds(g.child.pid!));
  const schedBefore = gateways.map((g) => schedSeconds(g.child.pid!));
  const measureStart = now();
  const t0 = now() + 20;
  const deadline = t0 + SECONDS * 1000 + 1000;
  const progress = setInterval(() => {
    const done = written.reduce((a, b) => a + b, 0) - base.reduce((a, b) => a + b, 0);
    log(`  ${((now() - t0) / 1000).toFixed(0)} s: ${done} of ${total} writes sent`);
  }, 5000);
  for (let k = 0; k < total; k++) {
    const due = t0 + k * interval;
    const wait = due - now();
    if (wait > 1) await sleep(wait - 1);
    while (now() < due) await new Promise((r) => setImmediate(r));
    const f = k % FLOWS;
    const previous = inFlight[f]!;
    inFlight[f] = previous.then(() => {
      const at = now();
      // A gateway that cannot keep up would stretch the run without end: writes not sent by the
      // end of the measured time are dropped (the achieved rate says how many were sent).
      if (at > deadline) {
        unsent++;
        return;
      }
      if (at - due > interval) late++;
      sent[f]!.push(at);
      return write(f)
        .then(() => {
          const t = now();
          acks.push(t - at);
          acked[f]!.push(t);
        })
        .catch((error: unknown) => {
          acked[f]!.push(NaN);
          failedWrites++;
          log(`write failed: ${String(error)}`);
        });
    });
  }
  await Promise.all(inFlight);
  clearInterval(progress);
  const writeSeconds = (now() - t0) / 1000;
  // Drain: until every subscriber has the last state, or 10 s more.
  const drainStart = now();
  while ((await counts()).some((c, f) => c < written[f]!) && now() - drainStart < 10_000) await sleep(50);
  const cpu = gateways.map((g, i) => {
    const after = cpuSeconds(g.child.pid!);
    return { user: after.user - cpuBefore[i]!.user, system: after.system - cpuBefore[i]!.system };
  });
  /** Per gateway, per second of the measured time: its event loop's thread on a CPU, and runnable but waiting for one. */
  const measuredSeconds = (now() - measureStart) / 1000;
  const mainThread = gateways.map((g, i) => {
    const after = schedSeconds(g.child.pid!);
    return {
      onCpu: Math.round(((after.onCpu - schedBefore[i]!.onCpu) / measuredSeconds) * 100) / 100,
      runQueue: Math.round(((after.runQueue - schedBefore[i]!.runQueue) / measuredSeconds) * 100) / 100,
    };
  });

  const finish: ClientFinish = { type: 'finish', sent, acked, base };
  const results = await Promise.all(
    clients.map(
      (c) =>
        new Promise<ClientResult>((resolve) => {
          c.once('message', (m: ClientResult) => resolve(m));
          c.send(finish);
        }),
    ),
  );
  const all = new Float64Array(results.reduce((n, r) => n + r.latencies.length, 0));
  let at = 0;
  for (const r of results) {
    all.set(r.latencies, at);
    at += r.latencies.length;
  }
  all.sort();
  const fromAck = new Float64Array(results.reduce((n, r) => n + r.fromAck.length, 0));
  at = 0;
  for (const r of results) {
    fromAck.set(r.fromAck, at);
    at += r.fromAck.length;
  }
  fromAck.sort();
  const perGateway = results.map((r) => {
    const sorted = Float64Array.from(r.latencies).sort();
    return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
  });
  const sum = (f: (r: ClientResult) => number) => results.reduce((n, r) => n + f(r), 0);
  const summary = {
    bench: 'fanout',
    gateways: GATEWAYS,
    database: opts.sqlite ? 'sqlite' : 'postgres',
    redis: Boolean(env.TAMS_REDIS_URL),
    pollMs: opts['poll-ms'] ?? 'default',
    subscribers: SUBSCRIBERS,
    watch: WATCH,
    wide: opts.wide,
    flows: FLOWS,
    tokens: TOKENS,
    rate: RATE,
    seconds: SECONDS,
    writes: total,
    achievedRate: Math.round(((total - unsent) / writeSeconds) * 10) / 10,
    unsentWrites: unsent,
    writeAck: (() => {
      const sorted = Float64Array.from(acks).sort();
      return { p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), p99: quantile(sorted, 0.99) };
    })(),
    /** The write's 201 → the first state reflecting it, per (subscriber, write), ms. */
    ackToDelivery: {
      p50: quantile(fromAck, 0.5),
      p95: quantile(fromAck, 0.95),
      p99: quantile(fromAck, 0.99),
    },
    lateWrites: late,
    failedWrites,
    samples: all.length,
    p50: quantile(all, 0.5),
    p95: quantile(all, 0.95),
    p99: quantile(all, 0.99),
    max: all.length ? all[all.length - 1]! : NaN,
    perGateway,
    lost: sum((r) => r.lost),
    duplicated: sum((r) => r.duplicated),
    regressed: sum((r) => r.regressed),
    coalesced: sum((r) => r.coalesced),
    deliveries: sum((r) => r.deliveries),
    closed: results.map((r) => r.closed),
    gatewayCpuSeconds: cpu,
    /**
     * Each gateway's main thread, seconds per second of the measured time: on a CPU, and waiting for
     * one while runnable (a write's statements wait on both: docs/performance.md, subscription fan-out).
     */
    gatewayMainThread: mainThread,
    /** Gateway CPU (user + system) per measured write, ms: what one event costs the gateways. */
    /** 1, 5 and 15 minute load averages at the end (the machine is shared: latencies need them). */
    loadAverage: loadavg(),
    cpuMsPerWrite:
      Math.round((cpu.reduce((n, c) => n + c.user + c.system, 0) / (total - unsent)) * 1e5) / 100,
    /**
     * Gateway CPU per frame received by a subscriber, µs (the writes' own handling included; frames of
     * the warm-up counted too, a few per subscriber).
     */
    cpuUsPerDelivery:
      Math.round((cpu.reduce((n, c) => n + c.user + c.system, 0) / sum((r) => r.deliveries)) * 1e7) / 10,
  };
  const ms = (v: number) => v.toFixed(1).padStart(7);
  console.log(
    'gateway  write→delivery p50 ms  p99 ms  cpu user s  cpu system s  loop on-cpu s/s  loop waiting for a cpu s/s',
  );
  perGateway.forEach((g, i) =>
    console.log(
      `${String(i).padStart(7)}  ${ms(g.p50).padStart(21)}  ${ms(g.p99)}  ${cpu[i]!.user.toFixed(1).padStart(10)}  ` +
        `${cpu[i]!.system.toFixed(1).padStart(12)}  ${mainThread[i]!.onCpu.toFixed(2).padStart(15)}  ` +
        `${mainThread[i]!.runQueue.toFixed(2).padStart(26)}`,
    ),
  );
  console.log(
    `all: p50 ${summary.p50.toFixed(1)} ms, p95 ${summary.p95.toFixed(1)} ms, p99 ${summary.p99.toFixed(1)} ms, ` +
      `max ${summary.max.toFixed(1)} ms over ${all.length} (subscriber, write) pairs; ` +
      `lost ${summary.lost}, duplicated ${summary.duplicated}, regressed ${summary.regressed}, ` +
      `coalesced ${summary.coalesced}; ` +
      `${summary.achievedRate} writes/s achieved, ${late} late, ${unsent} unsent; write → 201 p50 ` +
      `${summary.writeAck.p50.toFixed(1)} ms, p99 ${summary.writeAck.p99.toFixed(1)} ms; 201 → delivery p50 ` +
      `${summary.ackToDelivery.p50.toFixed(1)} ms, p95 ${summary.ackToDelivery.p95.toFixed(1)} ms, p99 ` +
      `${summary.ackToDelivery.p99.toFixed(1)} ms; load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}; ` +
      `gateway CPU ${summary.cpuMsPerWrite} ms per write, ${summary.cpuUsPerDelivery} µs per delivery`,
  );
  const ok =
    summary.p99 <= 60 && summary.lost === 0 && summary.duplicated === 0 && failedWrites === 0 && unsent === 0;
  console.log(JSON.stringify({ ...summary, ok }));
  process.exitCode = ok ? 0 : 1;
} finally {
  for (const c of clients) if (c.exitCode === null) c.kill();
  await Promise.all(
    gateways.map(async (g) => {
      g.child.kill('SIGTERM');
      const code = await Promise.race([g.exited, sleep(15_000).then(() => 'timeout' as const)]);
      if (code === 'timeout') g.child.kill('SIGKILL');
    }),
  );
  await redis?.stop();
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
