/**
 * `npm run bench`: the load suite's journeys (loadtest/k6/lib/scenarios.ts, the same requests and checks
 * as the k6 scripts) measured here with autocannon, each against a baseline measured in the same run:
 *
 * | scenario               | against (same run)      | what the ratio says                           |
 * | ---------------------- | ----------------------- | --------------------------------------------- |
 * | rest-window-limit10    | bare-window-limit10     | REST shim + GraphQL layers vs the bare SQL    |
 * | presigned-page-1000    | bare-page-1000          | the same for a 1000-URL page                  |
 * | graphql-cross-subgraph | media-direct            | the gateway's cost (plan, join, 2nd subgraph) |
 * | ingest-batch           | executor-batch-insert   | registration rules, events vs a raw insert    |
 * | rest-window-no-cache   | rest-window-limit10     | the worth of the cache tier (TAMS_CACHE=off)  |
 * | presigned-page-no-cache| presigned-page-1000     | the same for a 1000-segment page              |
 * | graphql-…-no-cache     | graphql-cross-subgraph  | the same for the GraphQL query                |
 *
 * It starts what it measures (loadtest/bench/target.ts, one child process: the embedded store, the
 * same store without its cache, the media role, all on one SQLite file, and the bare handlers), seeds
 * it with progress output, checks every answer once with the shared checks (and that the bare handlers'
 * window and page are byte-identical to the REST ones), then runs each group (baseline, scenario,
 * no-cache variant) back to back, the order reversed every other round. Per scenario: req/s,
 * p50/p95/p99 latency, errors (connection errors, timeouts, non-2xx), the target process's CPU ms per
 * request (/proc/<pid>/stat: the client's CPU is not counted; the idle background of the target's
 * services is) and its RSS after the run. Medians over rounds. Results: loadtest/results/latest.{json,md}.
 *
 *   npm run bench                       3 rounds of 20 s per scenario (~10 min)
 *   npm run bench -- --quick            1 round of 6 s (about 3 min here)
 *   npm run bench -- --duration 30 --rounds 5 --connections 8     (connections: all scenarios)
 *   npm run bench -- --only rest-window-limit10,bare-window-limit10   (writes results/only.{json,md})
 *   BENCH_TARGET_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' npm run bench -- --only …   (profile)
 *
 * Distributed: when PostgreSQL (TAMS_TEST_PG_URL, else 127.0.0.1:5432) and redis-server are available,
 * two `tams serve` replicas on a fresh database and a Redis of their own (loadtest/bench/replicas.ts)
 * run the four journeys again (`…-pg-redis-x2`, the load spread over both), against the embedded figure
 * of the same journey; `--embedded-only` leaves them out.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { InternalTokens } from '../../gateway/auth/internal-token.js';
import { loadConfig } from '../../lib/config/config.js';
import { bearer, createToken } from '../../test/support/admin-token.js';
import type { Answer, Checks } from '../k6/lib/scenarios.js';
import {
  CHECKS,
  CROSS_SUBGRAPH_QUERY,
  INGEST_BATCH,
  JOURNEYS,
  MEDIA_DIRECT_QUERY,
  pagePath,
  SEED,
  segmentBatch,
  segmentsPath,
  windowPath,
} from '../k6/lib/scenarios.js';
import { cpuSeconds, rssBytes } from '../proc-stats.js';
import type { Replicas } from './replicas.js';
import { startReplicas } from './replicas.js';
import { StoreClient } from './store-client.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    duration: { type: 'string' },
    rounds: { type: 'string' },
    connections: { type: 'string' },
    'embedded-only': { type: 'boolean', default: false },
    /** Comma-separated scenario names: measure only these (e.g. one scenario under a profiler). */
    only: { type: 'string' },
  },
});
const ONLY = args.only ? new Set(args.only.split(',')) : undefined;
const DURATION_S = Number(args.duration ?? (args.quick ? 6 : 20));
const ROUNDS = Number(args.rounds ?? (args.quick ? 1 : 3));
const WARMUP_S = args.quick ? 2 : 5;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RESULTS = join(ROOT, 'loadtest/results');
const say = (line: string) => process.stderr.write(`${line}\n`);

interface Target {
  child: ChildProcess;
  gateway: string;
  noCache: string;
  media: string;
  bare: string;
}

function startTarget(dataDir: string, internalSecret: string): Promise<Target> {
  // BENCH_TARGET_NODE_ARGS: flags for the target's node, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
  const nodeArgs = (process.env.BENCH_TARGET_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const script = join(ROOT, 'loadtest/bench/target.ts');
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script], {
    env: { ...process.env, BENCH_DATA_DIR: dataDir, BENCH_INTERNAL_SECRET: internalSecret },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{"target":'));
      if (line) {
        const { target } = JSON.parse(line) as { target: Omit<Target, 'child'> };
        resolve({ child, ...target });
      }
    });
    child.once('exit', (code) =>
      reject(new Error(`the bench target exited (${code}) before listening: ${out}`)),
    );
  });
}

/** A server process the bench loads and measures (several processes may share a pid's figures). */
interface Server {
  readonly url: string;
  readonly pid: number;
}

/**
 * One measured scenario: a request (fixed, or built per request) against one server, or spread evenly
 * over replicas (connections split between them; CPU and RSS summed over their processes).
 */
interface Scenario {
  readonly name: string;
  readonly baseline?: string;
  readonly servers: readonly Server[];
  readonly method: 'GET' | 'POST';
  readonly path: string;
  headers(): Promise<Record<string, string>>;
  /** The body of each request (ingest: a new batch each time); undefined for GET. */
  readonly body?: () => string;
  readonly connections: number;
  readonly checks: Checks;
}

interface Measurement {
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  requests: number;
  cpuMsPerRequest: number;
  rssMiB: number;
}

const connectionsOf = (s: Scenario) => (args.connections ? Number(args.connections) : s.connections);

function quantile(sorted: readonly number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN;
}

const cpuOf = (pids: readonly number[]) =>
  pids.reduce((ms, pid) => {
    const c = cpuSeconds(pid);
    return ms + (c.user + c.system) * 1000;
  }, 0);

function load(
  url: string,
  connections: number,
  s: Scenario,
  headers: Record<string, string>,
  seconds: number,
  latencies: number[],
): Promise<autocannon.Result> {
  return new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections,
        duration: seconds,
        timeout: 30,
        requests: [
          {
            method: s.method,
            path: s.path,
            headers: { ...headers, ...(s.body ? { 'content-type': 'application/json' } : {}) },
            ...(s.body ? { setupRequest: (req: autocannon.Request) => ({ ...req, body: s.body!() }) } : {}),
          },
        ],
      },
      (error: unknown, r: autocannon.Result) =>
        error
          ? reject(error instanceof Error ? error : new Error(`autocannon failed: ${JSON.stringify(error)}`))
          : resolve(r),
    );
    // autocannon emits (client, statusCode, resBytes, responseTime); @types/autocannon leaves out the client.
    instance.on('response', (...event: unknown[]) => latencies.push(event[3] as number));
  });
}

async function measure(s: Scenario, seconds: number): Promise<Measurement> {
  const headers = await s.headers();
  const latencies: number[] = [];
  const pids = [...new Set(s.servers.map((server) => server.pid))];
  const perServer = Math.max(1, Math.round(connectionsOf(s) / s.servers.length));
  const cpuBefore = cpuOf(pids);
  const started = performance.now();
  const results = await Promise.all(
    s.servers.map((server) => load(server.url, perServer, s, headers, seconds, latencies)),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpuMs = cpuOf(pids) - cpuBefore;
  const requests = results.reduce((n, r) => n + r.requests.total, 0);
  latencies.sort((a, b) => a - b);
  return {
    rps: requests / Math.min(elapsed, seconds),
    p50: quantile(latencies, 0.5),
    p95: quantile(latencies, 0.95),
    p99: quantile(latencies, 0.99),
    errors: results.reduce((n, r) => n + r.errors + r.non2xx, 0),
    requests,
    cpuMsPerRequest: requests ? cpuMs / requests : NaN,
    rssMiB: pids.reduce((sum, pid) => sum + rssBytes(pid), 0) / 2 ** 20,
  };
}

/** Runs the scenario's request once with the bench's client and applies its checks. */
async function checkOnce(s: Scenario): Promise<Answer> {
  const headers = await s.headers();
  const c = new StoreClient(s.servers[0]!.url, headers);
  try {
    const answer = await c.send(s.method, s.path, s.body ? (JSON.parse(s.body()) as unknown) : undefined);
    const failed = Object.entries(s.checks)
      .filter(([, predicate]) => !predicate(answer))
      .map(([name]) => name);
    if (failed.length)
      throw new Error(
        `${s.name}: checks failed: ${failed.join(', ')}; answer ${answer.status} ${answer.body.slice(0, 500)}`,
      );
    return answer;
  } finally {
    await c.close();
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'tams-bench-'));
const internalSecret = randomBytes(32).toString('base64url');
let target: Target | undefined;
let replicas: Replicas | undefined;
try {
  say(
    `bench: ${ROUNDS} round(s) × ${DURATION_S} s per scenario (+${WARMUP_S} s warm-up); data in ${dataDir}`,
  );
  say('starting the target (embedded store, the same without cache, media role, bare handlers)');
  target = await startTarget(dataDir, internalSecret);
  const t = target;
  const config = loadConfig({ TAMS_DATA_DIR: dataDir });
  const auth = bearer(await createToken(config.database, 'bench'));
  const internal = new InternalTokens(internalSecret);
  const internalAuth = async () => ({
    authorization: `Bearer ${await internal.sign({ principal: 'bench', scopes: new Set(['read']), scheme: 'internal' })}`,
  });
  const pid = t.child.pid!;
  const server = {
    gateway: { url: t.gateway, pid },
    noCache: { url: t.noCache, pid },
    media: { url: t.media, pid },
    bare: { url: t.bare, pid },
  };
  const store = new StoreClient(t.gateway, auth);

  // Seeding, through the REST API as a client would.
  const seedWith = async (client: StoreClient, label: string, segments: number) => {
    const flowId = await client.createFlow(label);
    const ids = await client.seedSegments(flowId, segments, (done) =>
      say(`  ${label}: ${done}/${segments} segments`),
    );
    return { flowId, ids };
  };
  const seed = (label: string, segments: number) => seedWith(store, label, segments);
  say('seeding');
  const windowFlow = await seed('window flow', SEED.windowFlowSegments);
  const pageFlow = await seed('page flow', SEED.pageFlowSegments);
  const graphqlFlow = await seed('graphql flow', SEED.graphqlFlowSegments);
  // The ingest flows: INGEST_BATCH registered objects each, which every later batch reuses (7.0 lets a
  // registered object back any number of segments), so a batch is registration only.
  const ingestFlow = await seed('ingest flow (REST)', INGEST_BATCH);
  const rawFlow = await seed('ingest flow (executor)', INGEST_BATCH);
  const batches = (objectIds: string[]) => {
    let next = INGEST_BATCH;
    return () => {
      const first = next;
      next += INGEST_BATCH;
      return JSON.stringify(segmentBatch(objectIds, first));
    };
  };

  const jsonPost = (query: string, id: string) => () => JSON.stringify({ query, variables: { id } });
  const windowRequest = {
    method: 'GET',
    path: windowPath(windowFlow.flowId, SEED.windowFlowSegments),
    connections: JOURNEYS.window.vus,
    checks: CHECKS.window,
  } as const;
  const graphqlRequest = {
    method: 'POST',
    path: '/graphql',
    body: jsonPost(CROSS_SUBGRAPH_QUERY, graphqlFlow.flowId),
    connections: JOURNEYS.graphql.vus,
    checks: CHECKS.crossSubgraph,
  } as const;
  // Groups measured back to back: the baseline, the scenario, and (for reads) the store without its cache.
  const groups: Scenario[][] = [
    [
      {
        name: 'bare-window-limit10',
        servers: [server.bare],
        headers: () => Promise.resolve({}),
        ...windowRequest,
      },
      {
        name: JOURNEYS.window.name,
        baseline: 'bare-window-limit10',
        servers: [server.gateway],
        headers: () => Promise.resolve(auth),
        ...windowRequest,
      },
      {
        name: 'rest-window-no-cache',
        baseline: JOURNEYS.window.name,
        servers: [server.noCache],
        headers: () => Promise.resolve(auth),
        ...windowRequest,
      },
    ],
    [
      {
        name: 'media-direct',
        servers: [server.media],
        method: 'POST',
        path: '/graphql',
        headers: internalAuth,
        body: jsonPost(MEDIA_DIRECT_QUERY, graphqlFlow.flowId),
        connections: JOURNEYS.graphql.vus,
        checks: CHECKS.mediaDirect,
      },
      {
        name: JOURNEYS.graphql.name,
        baseline: 'media-direct',
        servers: [server.gateway],
        headers: () => Promise.resolve(auth),
        ...graphqlRequest,
      },
      {
        name: 'graphql-cross-subgraph-no-cache',
        baseline: JOURNEYS.graphql.name,
        servers: [server.noCache],
        headers: () => Promise.resolve(auth),
        ...graphqlRequest,
      },
    ],
    [
      {
        name: 'bare-page-1000',
        servers: [server.bare],
        method: 'GET',
        path: pagePath(pageFlow.flowId),
        headers: () => Promise.resolve({}),
        connections: JOURNEYS.page.vus,
        checks: CHECKS.page1000,
      },
      {
        name: JOURNEYS.page.name,
        baseline: 'bare-page-1000',
        servers: [server.gateway],
        method: 'GET',
        path: pagePath(pageFlow.flowId),
        headers: () => Promise.resolve(auth),
        connections: JOURNEYS.page.vus,
        checks: CHECKS.page1000,
      },
      {
        name: 'presigned-page-no-cache',
        baseline: JOURNEYS.page.name,
        servers: [server.noCache],
        method: 'GET',
        path: pagePath(pageFlow.flowId),
        headers: () => Promise.resolve(auth),
        connections: JOURNEYS.page.vus,
        checks: CHECKS.page1000,
      },
    ],
    [
      {
        name: 'executor-batch-insert',
        servers: [server.bare],
        method: 'POST',
        path: segmentsPath(rawFlow.flowId),
        headers: () => Promise.resolve({}),
        body: batches(rawFlow.ids),
        connections: JOURNEYS.ingest.vus,
        checks: CHECKS.registration,
      },
      {
        name: JOURNEYS.ingest.name,
        baseline: 'executor-batch-insert',
        servers: [server.gateway],
        method: 'POST',
        path: segmentsPath(ingestFlow.flowId),
        headers: () => Promise.resolve(auth),
        body: batches(ingestFlow.ids),
        connections: JOURNEYS.ingest.vus,
        checks: CHECKS.registration,
      },
    ],
  ];
  // Two replicas on PostgreSQL + Redis when the machine has them: each journey again, spread over both,
  // in its group, against the embedded figure (what a deployment of two replicas gives over one process).
  if (!args['embedded-only']) {
    say('starting 2 replicas on PostgreSQL + Redis');
    const started = await startReplicas(2);
    if ('unavailable' in started) say(`  not measured: ${started.unavailable}`);
    else {
      replicas = started;
      const servers = started.servers;
      const remote = new StoreClient(servers[0]!.url, started.auth);
      const headers = () => Promise.resolve(started.auth);
      const w = await seedWith(remote, 'window flow (replicas)', SEED.windowFlowSegments);
      const g = await seedWith(remote, 'graphql flow (replicas)', SEED.graphqlFlowSegments);
      const p = await seedWith(remote, 'page flow (replicas)', SEED.pageFlowSegments);
      const i = await seedWith(remote, 'ingest flow (replicas)', INGEST_BATCH);
      await remote.close();
      const suffix = '-pg-redis-x2';
      const [windows, graphqls, pages, ingests] = groups as [Scenario[], Scenario[], Scenario[], Scenario[]];
      windows.push({
        ...windowRequest,
        name: `${JOURNEYS.window.name}${suffix}`,
        baseline: JOURNEYS.window.name,
        servers,
        headers,
        path: windowPath(w.flowId, SEED.windowFlowSegments),
      });
      graphqls.push({
        ...graphqlRequest,
        name: `${JOURNEYS.graphql.name}${suffix}`,
        baseline: JOURNEYS.graphql.name,
        servers,
        headers,
        body: jsonPost(CROSS_SUBGRAPH_QUERY, g.flowId),
      });
      pages.push({
        name: `${JOURNEYS.page.name}${suffix}`,
        baseline: JOURNEYS.page.name,
        servers,
        headers,
        method: 'GET',
        path: pagePath(p.flowId),
        connections: JOURNEYS.page.vus,
        checks: CHECKS.page1000,
      });
      ingests.push({
        name: `${JOURNEYS.ingest.name}${suffix}`,
        baseline: JOURNEYS.ingest.name,
        servers,
        headers,
        method: 'POST',
        path: segmentsPath(i.flowId),
        body: batches(i.ids),
        connections: JOURNEYS.ingest.vus,
        checks: CHECKS.registration,
      });
    }
  }
  if (ONLY) {
    const known = new Set(groups.flat().map((s) => s.name));
    const unknown = [...ONLY].filter((name) => !known.has(name));
    if (unknown.length)
      throw new Error(`--only: no scenario ${unknown.join(', ')} (known: ${[...known].join(', ')})`);
    for (const [i, group] of groups.entries()) groups[i] = group.filter((s) => ONLY.has(s.name));
  }
  const scenarios = groups.flat();

  say('checking every answer once');
  for (const s of scenarios) await checkOnce(s);
  // The bare window must be the REST answer byte for byte. Presigned URLs carry their expiry second,
  // so a pair straddling a second boundary differs there: asked again, up to three times.
  for (const [bare, rest] of [
    ['bare-window-limit10', JOURNEYS.window.name],
    ['bare-page-1000', JOURNEYS.page.name],
  ] as const) {
    const b = scenarios.find((s) => s.name === bare);
    const r = scenarios.find((s) => s.name === rest);
    if (!b || !r) continue;
    let same = false;
    for (let attempt = 0; attempt < 3 && !same; attempt++) {
      const [x, y] = [await checkOnce(b), await checkOnce(r)];
      same = x.body === y.body;
      if (!same && attempt === 2)
        throw new Error(
          `${bare} is not byte-identical to ${rest}:\n${x.body.slice(0, 400)}\n${y.body.slice(0, 400)}`,
        );
    }
    say(`  ${bare}: byte-identical to ${rest}`);
  }

  const results = new Map<string, Measurement[]>();
  for (let round = 1; round <= ROUNDS; round++) {
    // Each group back to back; the order within a group is reversed every other round.
    for (const group of groups) {
      for (const s of round % 2 ? group : [...group].reverse()) {
        if (WARMUP_S) await measure(s, WARMUP_S);
        const m = await measure(s, DURATION_S);
        results.set(s.name, [...(results.get(s.name) ?? []), m]);
        say(
          `round ${round} ${s.name}: ${m.rps.toFixed(0)} req/s, p50 ${m.p50.toFixed(1)} ms, p99 ${m.p99.toFixed(1)} ms, ` +
            `${m.errors} errors, ${m.cpuMsPerRequest.toFixed(2)} ms CPU/req, RSS ${m.rssMiB.toFixed(0)} MiB`,
        );
      }
    }
  }

  const median = (xs: number[]) =>
    quantile(
      [...xs].sort((a, b) => a - b),
      0.5,
    );
  const summary = scenarios.map((s) => {
    const ms = results.get(s.name)!;
    return {
      name: s.name,
      rps: median(ms.map((m) => m.rps)),
      p50_ms: median(ms.map((m) => m.p50)),
      p95_ms: median(ms.map((m) => m.p95)),
      p99_ms: median(ms.map((m) => m.p99)),
      errors: ms.reduce((n, m) => n + m.errors, 0),
      requests: ms.reduce((n, m) => n + m.requests, 0),
      cpu_ms_per_req: median(ms.map((m) => m.cpuMsPerRequest)),
      rss_mib: Math.max(...ms.map((m) => m.rssMiB)),
      connections: connectionsOf(s),
      baseline: s.baseline ?? null,
    };
  });
  const rpsOf = new Map(summary.map((s) => [s.name, s.rps]));
  const round2 = (x: number) => Math.round(x * 100) / 100;
  const report = {
    generated: new Date().toISOString(),
    mode: replicas
      ? 'embedded (SQLite) and 2 replicas on PostgreSQL + Redis, auth on'
      : 'embedded (SQLite), auth on',
    quick: args.quick,
    rounds: ROUNDS,
    duration_s: DURATION_S,
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? 'unknown',
      loadavg_at_end: loadavg().map(round2),
    },
    scenarios: summary.map((s) => ({
      name: s.name,
      rps: round2(s.rps),
      p50_ms: round2(s.p50_ms),
      p95_ms: round2(s.p95_ms),
      p99_ms: round2(s.p99_ms),
      errors: s.errors,
      requests: s.requests,
      cpu_ms_per_req: Math.round(s.cpu_ms_per_req * 1000) / 1000,
      rss_mib: Math.round(s.rss_mib),
      connections: s.connections,
      baseline: s.baseline,
      ratio: s.baseline ? Math.round((s.rps / rpsOf.get(s.baseline)!) * 1000) / 1000 : null,
    })),
  };

  const lines = [
    `${report.mode}: ${ROUNDS} round(s) × ${DURATION_S} s per scenario, medians; ` +
      `${report.machine.cpus} CPUs, load average ${report.machine.loadavg_at_end.join(' ')} at the end ` +
      `(client and server share the machine). ${report.generated}`,
    '',
    '| scenario | conns | req/s | p50 ms | p95 ms | p99 ms | errors | CPU ms/req | RSS MiB | baseline | ratio |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |',
    ...report.scenarios.map(
      (s) =>
        `| ${s.name} | ${s.connections} | ${s.rps.toFixed(0)} | ${s.p50_ms.toFixed(1)} | ${s.p95_ms.toFixed(1)} | ` +
        `${s.p99_ms.toFixed(1)} | ${s.errors} | ${s.cpu_ms_per_req.toFixed(2)} | ${s.rss_mib} | ${s.baseline ?? ''} | ` +
        `${s.ratio === null ? '' : s.ratio.toFixed(2)} |`,
    ),
  ];
  mkdirSync(RESULTS, { recursive: true });
  // A partial run (--only) must not pass for the suite's figures.
  const base = ONLY ? 'only' : 'latest';
  writeFileSync(join(RESULTS, `${base}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(RESULTS, `${base}.md`), `${lines.join('\n')}\n`);
  console.log(lines.join('\n'));
  say(
    `written: loadtest/results/${base}.json, loadtest/results/${base}.md (${(performance.now() / 1000).toFixed(0)} s in all)`,
  );
  await store.close();
} finally {
  await replicas?.close();
  if (target) {
    target.child.kill('SIGTERM');
    await new Promise((resolve) => target!.child.once('exit', resolve));
  }
  rmSync(dataDir, { recursive: true, force: true });
}
