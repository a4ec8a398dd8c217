/**
 * Analytics under REST load (issue 13 §6), both backends, through a whole embedded store (gateway,
 * REST shim, both subgraphs; shared cache off, so every analytics answer is computed): on one flow of
 * BENCH_SEGMENTS segments (default 1M; 6 s ± 200 ms, a 3 s dropout every 997th),
 *
 *  1. the latency of POST /graphql `flow { segmentDurationStats { percentiles histogram } }` and
 *     `flow { coverage { gaps } }` (target: each ≤ 1 s), and
 *  2. the latency of `GET /flows/{id}/segments?limit=10&timerange=<60 s mid-flow>` sent open-loop every
 *     BENCH_INTERVAL_MS (default 10) while idle and while the two analytics queries run back to back,
 *     measured from each request's scheduled time (so a blocked event loop counts in full, not only for
 *     the request that met it), idle and loaded phases interleaved per round (target: p99 loaded ≤ 2×
 *     p99 idle); and a control phase, the same back-to-back client asking `flow { id label }`, which
 *     tells what analytics cost the REST requests from what any concurrent GraphQL client sharing this
 *     one event loop costs them.
 *
 *   npx tsx loadtest/analytics-rest-bench.ts
 *   BENCH_SEGMENTS=100000 BENCH_BACKENDS=sqlite BENCH_ROUNDS=3 npx tsx loadtest/analytics-rest-bench.ts
 *
 * Segments are written with the executor's batch insert (BENCH_BATCH rows per statement) on its own
 * connection, which is also the ingest figure reported (rows/s). Progress to stderr; the table and a JSON
 * line to stdout; exit code 1 when a target is missed.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createLogger } from '../gateway/logger.js';
import { startService } from '../gateway/service.js';
import { loadConfig } from '../lib/config/config.js';
import { eq, openExecutor } from '../lib/executor/index.js';
import { createTestDatabase } from '../lib/executor/test-support/postgres-test-database.js';
import { analyticsSegments, T0 } from './analytics-segments.js';
import { formatTimeRange, makeTimeRange, NS_PER_SECOND } from '../lib/tams/index.js';

const SEGMENTS = Number(process.env.BENCH_SEGMENTS ?? '1000000');
const BACKENDS = (process.env.BENCH_BACKENDS ?? 'sqlite,postgres').split(',').map((b) => b.trim());
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? '5');
const PHASE_MS = Number(process.env.BENCH_PHASE_MS ?? '4000');
const INTERVAL_MS = Number(process.env.BENCH_INTERVAL_MS ?? '10');
const BATCH = Number(process.env.BENCH_BATCH ?? '50000');
/** Pause between the load client's queries (0: back to back, the strictest reading of "while they run"). */
const GAP_MS = Number(process.env.BENCH_ANALYTICS_GAP_MS ?? '0');
const TARGET_MS = 1000;
const TARGET_P99_RATIO = 2;

const log = (msg: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

const CONTROL = 'id label';
const QUERIES: Record<string, string> = {
  'segmentDurationStats { percentiles histogram }':
    'segmentDurationStats { count mean stddev percentiles(p: [0.5, 0.9, 0.99]) { value } histogram(bins: 20) { count } }',
  'coverage { gaps }': 'coverage { coveredSeconds ratio gapCount gaps(limit: 100) { timerange seconds } }',
};

/**
 * One request; retried once when a kept-alive socket was reset (the server closes sockets idle past
 * its keep-alive timeout, e.g. while a slow analytics query held it; a race, not an answer).
 */
async function send(agent: Agent, base: string, method: string, path: string, body?: unknown) {
  try {
    return await sendOnce(agent, base, method, path, body);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') throw error;
    return sendOnce(agent, base, method, path, body);
  }
}

function sendOnce(agent: Agent, base: string, method: string, path: string, body?: unknown) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(
      new URL(path, base),
      { method, agent, headers: payload ? { 'content-type': 'application/json' } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const quantile = (sorted: readonly number[], q: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const sortNum = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);
const r1 = (x: number) => Math.round(x * 10) / 10;

interface Result {
  ingestRowsPerS: number;
  queries: Record<string, { p50Ms: number; maxMs: number }>;
  rest: {
    idleP50Ms: number;
    idleP99Ms: number;
    loadedP50Ms: number;
    loadedP99Ms: number;
    ratio: number;
    controlP50Ms: number;
    controlP99Ms: number;
    controlRatio: number;
  };
  restRoundRatios: number[];
}

async function bench(backend: string): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'tams-analytics-rest-bench-'));
  const db = backend === 'postgres' ? await createTestDatabase('tams_analytics_rest_bench') : undefined;
  const config = loadConfig({
    TAMS_DATA_DIR: dir,
    TAMS_PORT: '0',
    TAMS_AUTH: 'off',
    TAMS_CACHE: 'off',
    ...(db ? { TAMS_DATABASE_URL: db.url } : {}),
  });
  const service = await startService(config, 'embedded', { log: createLogger('silent'), version: 'bench' });
  const restAgent = new Agent({ keepAlive: true, maxSockets: 32 });
  const analyticsAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const writer = await openExecutor(config.database);
  try {
    const flowId = randomUUID();
    const put = await send(restAgent, service.url, 'PUT', `/flows/${flowId}`, {
      id: flowId,
      source_id: randomUUID(),
      format: 'urn:x-nmos:format:video',
      codec: 'video/h264',
      container: 'video/mp2t',
      essence_parameters: { frame_width: 1920, frame_height: 1080 },
    });
    if (put.status >= 300) throw new Error(`PUT flow: ${put.status} ${put.text}`);
    let count = 0;
    let last = T0;
    let insertMs = 0;
    for (const batch of analyticsSegments(flowId, SEGMENTS, BATCH)) {
      const t = performance.now();
      await writer.insert('segments', batch);
      insertMs += performance.now() - t;
      count += batch.length;
      const r = batch.at(-1)!.timerange;
      if (r.kind === 'range' && r.end !== null) last = r.end;
      if (count % 200_000 === 0) log(`${backend}: ${count} segments`);
    }
    // What the media domain maintains with the segments it registers.
    await writer.update('flows', eq('id', flowId), {
      segment_count: BigInt(count),
      timerange: makeTimeRange({ start: T0, end: last }),
    });
    const ingestRowsPerS = Math.round(count / (insertMs / 1000));
    log(`${backend}: ${count} segments inserted in ${Math.round(insertMs)} ms (${ingestRowsPerS} rows/s)`);

    const middle = T0 + BigInt(Math.floor(SEGMENTS / 2)) * 6n * NS_PER_SECOND;
    const window = formatTimeRange(makeTimeRange({ start: middle, end: middle + 60n * NS_PER_SECOND }));
    const restPath = `/flows/${flowId}/segments?limit=10&timerange=${encodeURIComponent(window)}`;
    const rest = async () => {
      const a = await send(restAgent, service.url, 'GET', restPath);
      if (a.status !== 200) throw new Error(`REST window: ${a.status} ${a.text.slice(0, 300)}`);
    };
    const analytics = async (selection: string) => {
      const a = await send(analyticsAgent, service.url, 'POST', '/graphql', {
        query: `query($id: ID!) { flow(id: $id) { ${selection} } }`,
        variables: { id: flowId },
      });
      const parsed = JSON.parse(a.text) as { errors?: { message: string }[]; data?: unknown };
      if (a.status !== 200 || parsed.errors?.length)
        throw new Error(`analytics: ${a.status} ${a.text.slice(0, 300)}`);
    };
    for (let i = 0; i < 20; i++) await rest(); // warm
    for (const selection of Object.values(QUERIES)) await analytics(selection);

    /** Open-loop REST requests for `ms`, latency from each one's scheduled start. */
    const restPhase = async (ms: number): Promise<number[]> => {
      const latencies: number[] = [];
      const pending: Promise<void>[] = [];
      const start = performance.now();
      for (let i = 0; ; i++) {
        const due = start + i * INTERVAL_MS;
        if (due - start >= ms) break;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        pending.push(rest().then(() => void latencies.push(performance.now() - due)));
      }
      await Promise.all(pending);
      return latencies;
    };

    const times: Record<string, number[]> = Object.fromEntries(Object.keys(QUERIES).map((k) => [k, []]));
    const idle: number[] = [];
    const loaded: number[] = [];
    const controlled: number[] = [];
    const restRoundRatios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Analytics latency alone.
      for (const [name, selection] of Object.entries(QUERIES)) {
        const t = performance.now();
        await analytics(selection);
        times[name]!.push(performance.now() - t);
      }
      const idleRound = await restPhase(PHASE_MS);
      let stop = false;
      const load = (async () => {
        while (!stop)
          for (const selection of Object.values(QUERIES))
            if (!stop) {
              await analytics(selection);
              if (GAP_MS > 0) await new Promise((resolve) => setTimeout(resolve, GAP_MS));
            }
      })();
      const loadedRound = await restPhase(PHASE_MS);
      stop = true;
      await load;
      // The control: the same back-to-back client, asking for two plain fields instead. What any
      // GraphQL client sharing this one event loop costs the REST requests, analytics or not.
      stop = false;
      const control = (async () => {
        while (!stop) {
          await analytics(CONTROL);
          if (GAP_MS > 0) await new Promise((resolve) => setTimeout(resolve, GAP_MS));
        }
      })();
      const controlRound = await restPhase(PHASE_MS);
      stop = true;
      await control;
      controlled.push(...controlRound);
      idle.push(...idleRound);
      loaded.push(...loadedRound);
      const ratio = quantile(sortNum(loadedRound), 0.99) / quantile(sortNum(idleRound), 0.99);
      restRoundRatios.push(r1(ratio));
      log(
        `${backend}: round ${round + 1}: ${Object.entries(times)
          .map(([n, ts]) => `${n.split(' ')[0]} ${Math.round(ts.at(-1)!)} ms`)
          .join(
            ', ',
          )}; REST p99 idle ${r1(quantile(sortNum(idleRound), 0.99))} ms, loaded ${r1(quantile(sortNum(loadedRound), 0.99))} ms (×${r1(ratio)})`,
      );
    }
    const si = sortNum(idle);
    const sl = sortNum(loaded);
    const sc = sortNum(controlled);
    return {
      ingestRowsPerS,
      queries: Object.fromEntries(
        Object.entries(times).map(([n, ts]) => {
          const s = sortNum(ts);
          return [n, { p50Ms: Math.round(quantile(s, 0.5)), maxMs: Math.round(s.at(-1)!) }];
        }),
      ),
      rest: {
        idleP50Ms: r1(quantile(si, 0.5)),
        idleP99Ms: r1(quantile(si, 0.99)),
        loadedP50Ms: r1(quantile(sl, 0.5)),
        loadedP99Ms: r1(quantile(sl, 0.99)),
        ratio: r1(quantile(sl, 0.99) / quantile(si, 0.99)),
        controlP50Ms: r1(quantile(sc, 0.5)),
        controlP99Ms: r1(quantile(sc, 0.99)),
        controlRatio: r1(quantile(sc, 0.99) / quantile(si, 0.99)),
      },
      restRoundRatios,
    };
  } finally {
    restAgent.destroy();
    analyticsAgent.destroy();
    await writer.close();
    await service.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const all: Record<string, Result> = {};
for (const backend of BACKENDS) all[backend] = await bench(backend);
let failed = false;
console.log(
  `\n${SEGMENTS} segments, ${ROUNDS} rounds of ${PHASE_MS} ms per phase, a REST request every ${INTERVAL_MS} ms, ` +
    `load queries ${GAP_MS > 0 ? `${GAP_MS} ms apart` : 'back to back'}`,
);
for (const [backend, r] of Object.entries(all)) {
  console.log(`${backend}: batch insert ${r.ingestRowsPerS} rows/s`);
  for (const [name, q] of Object.entries(r.queries)) {
    const miss = q.p50Ms > TARGET_MS;
    failed ||= miss;
    console.log(
      `  ${name.padEnd(48)} p50 ${String(q.p50Ms).padStart(6)} ms  max ${String(q.maxMs).padStart(6)} ms${miss ? '  MISSED ≤ 1 s' : ''}`,
    );
  }
  const miss = r.rest.ratio > TARGET_P99_RATIO;
  failed ||= miss;
  console.log(
    `  REST window p50/p99 idle ${r.rest.idleP50Ms}/${r.rest.idleP99Ms} ms, during analytics ${r.rest.loadedP50Ms}/${r.rest.loadedP99Ms} ms: p99 ×${r.rest.ratio} (rounds ${r.restRoundRatios.join(', ')})${miss ? '  MISSED ≤ 2×' : ''}`,
  );
  console.log(
    `  control (a back-to-back \`flow { ${CONTROL} }\` client instead): REST p50/p99 ${r.rest.controlP50Ms}/${r.rest.controlP99Ms} ms, p99 ×${r.rest.controlRatio}`,
  );
}
console.log(JSON.stringify({ segments: SEGMENTS, results: all }));
process.exitCode = failed ? 1 : 0;
