/**
 * Subscription benchmark (embedded store, authentication on): how long a change takes to reach N
 * graphql-ws subscribers of one flow, against the baseline of one HTTP query of the same selection
 * measured in the same run. The time runs from sending the write (an HTTP mutation) to the last
 * subscriber receiving it, and the subscribers are WebSocket clients in this same process. Targets:
 * 1 subscriber <= 4x the query (the mutation, the outbox read, one derived query, one frame); 100
 * identical subscribers <= 10x one subscriber, far from the 100x of one execution each (they share one
 * execution per event; what grows is the per-subscriber credential check and the frames).
 *
 *   npm run bench:subscriptions                  EVENTS per fan-out (default 200)
 *   BENCH_EVENTS=50 npm run bench:subscriptions  quick run
 *   BENCH_FANOUTS=1,10,100,1000 npm run bench:subscriptions   the fan-outs measured (default 1,10,100)
 *
 * Progress goes to stderr; the results table and one final JSON line to stdout. Exit code 1 when a target
 * is missed.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { createLogger } from '../gateway/logger.js';
import { startService } from '../gateway/service.js';
import { loadConfig } from '../lib/config/config.js';
import { bearer, createToken } from '../test/support/admin-token.js';
import { gatewayQueries } from '../test/support/metrics.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 200);
// BENCH_FANOUTS=1,10,100,1000 adds issue 15 §3's 1,000 subscribers on one gateway (one event at a time).
const FANOUTS = (process.env.BENCH_FANOUTS ?? '1,10,100').split(',').map(Number);
const SELECTION = 'id label stats { segmentCount }';

const dir = mkdtempSync(join(tmpdir(), 'tams-sub-bench-'));
const config = loadConfig({ TAMS_DATA_DIR: dir, TAMS_PORT: '0' });
const service = await startService(config, 'embedded', { log: createLogger('silent'), version: 'bench' });
const auth = bearer(await createToken(config.database));
const log = (line: string) => process.stderr.write(`${line}\n`);

async function graphql(query: string, variables: Record<string, unknown> = {}): Promise<unknown> {
  const response = await fetch(service.graphqlUrl, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: unknown; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};

/** A subscriber that calls `onNext` with the label of each event. */
async function subscriber(flow: string, onNext: (label: string) => void): Promise<WebSocket> {
  const socket = new WebSocket(service.graphqlUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const acked = new Promise<void>((resolve) =>
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as {
        type: string;
        payload?: { data?: { flowUpdated?: { label: string } } };
      };
      if (message.type === 'connection_ack') resolve();
      else if (message.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
      else if (message.type === 'next') onNext(message.payload!.data!.flowUpdated!.label);
    }),
  );
  socket.send(JSON.stringify({ type: 'connection_init', payload: auth }));
  await acked;
  socket.send(
    JSON.stringify({
      id: '1',
      type: 'subscribe',
      payload: {
        query: `subscription($id: ID!) { flowUpdated(id: $id) { ${SELECTION} } }`,
        variables: { id: flow },
      },
    }),
  );
  return socket;
}

async function createFlow(): Promise<string> {
  const id = randomUUID();
  await graphql(
    'mutation($id: ID!, $s: ID!) { putFlow(id: $id, flow: { sourceId: $s, format: DATA, codec: "application/json", label: "bench" }) { created } }',
    { id, s: randomUUID() },
  );
  return id;
}

const setLabel = (flow: string, label: string) =>
  graphql('mutation($id: ID!, $l: String) { setFlowLabel(id: $id, label: $l) { id } }', {
    id: flow,
    l: label,
  });

try {
  // Baseline: the selection as one HTTP query.
  const flow0 = await createFlow();
  const baseline: number[] = [];
  for (let i = 0; i < EVENTS + 20; i++) {
    const started = performance.now();
    await graphql(`query($id: ID!) { flow(id: $id) { ${SELECTION} } }`, { id: flow0 });
    if (i >= 20) baseline.push(performance.now() - started);
  }
  const baseP50 = quantile(baseline, 0.5);
  log(`baseline HTTP query p50 ${baseP50.toFixed(2)} ms`);

  const rows: {
    subscribers: number;
    p50: number;
    p95: number;
    p99: number;
    ratio: number;
    executionsPerEvent: number;
  }[] = [];
  for (const n of FANOUTS) {
    const flow = await createFlow();
    const waiting = new Map<string, { left: number; started: number; done: () => void }>();
    const onNext = (label: string) => {
      const w = waiting.get(label);
      if (w && --w.left === 0) w.done();
    };
    const sockets = await Promise.all(Array.from({ length: n }, () => subscriber(flow, onNext)));
    // Until every subscription is live: a label change reaches all of them.
    for (let ready = false; !ready;) {
      const label = `warm-${randomUUID()}`;
      const all = new Promise<void>((done) => waiting.set(label, { left: n, started: 0, done }));
      await setLabel(flow, label);
      ready = await Promise.race([
        all.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 500)),
      ]);
    }
    const latencies: number[] = [];
    const queriesBefore = await gatewayQueries(service.url);
    for (let i = 0; i < EVENTS; i++) {
      const label = `event-${i}`;
      const started = performance.now();
      const all = new Promise<void>((done) => waiting.set(label, { left: n, started, done }));
      await setLabel(flow, label);
      await all; // every subscriber has the change: the time from the write to the last delivery
      latencies.push(performance.now() - started);
    }
    const executionsPerEvent = ((await gatewayQueries(service.url)) - queriesBefore) / EVENTS;
    for (const s of sockets) s.close();
    const p50 = quantile(latencies, 0.5);
    rows.push({
      subscribers: n,
      p50,
      p95: quantile(latencies, 0.95),
      p99: quantile(latencies, 0.99),
      ratio: p50 / baseP50,
      executionsPerEvent,
    });
    log(`${n} subscribers: write -> last delivery p50 ${p50.toFixed(2)} ms`);
  }

  console.log('subscribers  p50 ms  p95 ms  p99 ms  p50 / HTTP query  executions / event');
  for (const r of rows)
    console.log(
      `${String(r.subscribers).padStart(11)}  ${r.p50.toFixed(2).padStart(6)}  ${r.p95.toFixed(2).padStart(6)}  ${r.p99.toFixed(2).padStart(6)}  ` +
        `${r.ratio.toFixed(2).padStart(16)}  ${r.executionsPerEvent.toFixed(2).padStart(18)}`,
    );
  const one = rows.find((r) => r.subscribers === 1)!;
  const hundred = rows.find((r) => r.subscribers === 100)!;
  const targets = { oneVsQuery: one.ratio, hundredVsOne: hundred.p50 / one.p50 };
  const ok = targets.oneVsQuery <= 4 && targets.hundredVsOne <= 10;
  console.log(
    JSON.stringify({ bench: 'subscriptions', events: EVENTS, baselineP50: baseP50, rows, targets, ok }),
  );
  process.exitCode = ok ? 0 : 1;
} finally {
  await service.close();
  rmSync(dir, { recursive: true, force: true });
}
