/**
 * Tracing overhead (issue 17 §1): the store CPU one REST window read (`GET /flows/{id}/segments?limit=10&
 * timerange=...`, a window in the middle of a long flow, authentication on) costs with tracing off and
 * on. Two `tams serve` processes on one SQLite store: one as configured by default (off), one with
 * OTEL_EXPORTER_OTLP_ENDPOINT set (every request sampled, spans batched and exported as OTLP protobuf to
 * a receiver in this process). Rounds alternate between them; each process's own CPU (/proc) is divided
 * by the requests it answered, so the client's and the receiver's work is not counted.
 *
 *   npx tsx loadtest/tracing-overhead-bench.ts            BENCH_REQUESTS per round (default 2000), 5 rounds
 *   BENCH_REQUESTS=300 BENCH_ROUNDS=2 npx tsx loadtest/tracing-overhead-bench.ts    quick run
 *
 * Progress goes to stderr; the table and one final JSON line to stdout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearer, createToken } from '../test/support/admin-token.js';
import type { ServeProcess } from '../test/support/serve-process.js';
import { spawnServe } from '../test/support/serve-process.js';
import { StoreClient } from './bench/store-client.js';
import { cpuSeconds } from './proc-stats.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SEGMENTS = Number(process.env.BENCH_SEGMENTS ?? 3000);
const say = (line: string) => process.stderr.write(`${line}\n`);

// The OTLP receiver: takes every export and counts it, as a collector would.
let exports = 0;
let exportedBytes = 0;
const receiver = createServer((req, res) => {
  req.on('data', (chunk: Buffer) => (exportedBytes += chunk.length));
  req.on('end', () => {
    exports++;
    res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const otlp = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

const dir = mkdtempSync(join(tmpdir(), 'tams-tracing-bench-'));
const common = { TAMS_DATA_DIR: dir, TAMS_PORT: '0', TAMS_LOG_LEVEL: 'warn' };
const auth = bearer(
  await createToken({ kind: 'sqlite', path: join(dir, 'tams.sqlite3'), synchronous: 'FULL' }, 'bench'),
);
const off = await spawnServe(common);
const on = await spawnServe({ ...common, OTEL_EXPORTER_OTLP_ENDPOINT: otlp });
// On, but the sampler keeps no trace: what the instrumentation costs by itself (OTEL_TRACES_SAMPLER_ARG
// at a small ratio costs about this plus that share of the sampled cost).
const unsampled = await spawnServe({
  ...common,
  OTEL_EXPORTER_OTLP_ENDPOINT: otlp,
  OTEL_TRACES_SAMPLER: 'always_off',
});
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function get(base: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { agent, headers: auth }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

try {
  const client = new StoreClient(off.url, auth);
  const flowId = await client.createFlow('tracing overhead bench');
  await client.seedSegments(flowId, SEGMENTS, (n) => say(`seeded ${n} segments`));
  await client.close();
  const mid = Math.floor(SEGMENTS / 2);
  const path = `/flows/${flowId}/segments?limit=10&timerange=${encodeURIComponent(`[${mid}:0_${mid + 10}:0)`)}`;

  /** Store CPU ms per request over one round against `store`. */
  const round = async (store: ServeProcess): Promise<number> => {
    const pid = store.child.pid!;
    const before = cpuSeconds(pid);
    for (let i = 0; i < REQUESTS; i++) {
      const status = await get(store.url, path);
      if (status !== 200) throw new Error(`${path} answered ${status}`);
    }
    const after = cpuSeconds(pid);
    return ((after.user + after.system - before.user - before.system) * 1000) / REQUESTS;
  };
  // Warm each (plans learnt, direct routes taken, JIT), then alternate.
  const stores = { off, on, unsampled };
  const results = { off: [] as number[], on: [] as number[], unsampled: [] as number[] };
  for (const store of Object.values(stores)) await round(store);
  for (let r = 1; r <= ROUNDS; r++) {
    for (const [name, store] of Object.entries(stores))
      results[name as keyof typeof stores].push(await round(store));
    say(
      `round ${r}: ${Object.entries(results)
        .map(([name, ms]) => `${name} ${ms.at(-1)!.toFixed(3)} ms`)
        .join(', ')} CPU/request`,
    );
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const offMs = median(results.off);
  const onMs = median(results.on);
  const unsampledMs = median(results.unsampled);
  // Let the last batch go out before the figures on export volume are read.
  await new Promise((resolve) => setTimeout(resolve, 6000));
  console.log(`store CPU per REST window request (median of ${ROUNDS} rounds of ${REQUESTS})`);
  console.log(`  tracing off                     ${offMs.toFixed(3)} ms`);
  console.log(
    `  tracing on (all sampled, OTLP)  ${onMs.toFixed(3)} ms   (+${(onMs - offMs).toFixed(3)} ms, x${(onMs / offMs).toFixed(2)})`,
  );
  console.log(
    `  tracing on, nothing sampled     ${unsampledMs.toFixed(3)} ms   (+${(unsampledMs - offMs).toFixed(3)} ms, x${(unsampledMs / offMs).toFixed(2)})`,
  );
  console.log(`  exported: ${exports} OTLP requests, ${(exportedBytes / 1024).toFixed(0)} KiB`);
  console.log(
    JSON.stringify({
      bench: 'tracing-overhead',
      requests: REQUESTS,
      rounds: ROUNDS,
      offMs,
      onMs,
      unsampledMs,
      ratio: onMs / offMs,
      exports,
      exportedBytes,
    }),
  );
} finally {
  agent.destroy();
  for (const store of [off, on, unsampled]) {
    store.child.kill('SIGTERM');
    await store.exited;
  }
  receiver.close();
  rmSync(dir, { recursive: true, force: true });
}
