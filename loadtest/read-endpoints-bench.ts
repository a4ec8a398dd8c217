/**
 * Read throughput with a streaming standby as read endpoint vs the primary alone (issue 16): a primary
 * and a pg_basebackup standby of the bench's own (lib/executor/test-support/postgres-standby.ts), two
 * `tams serve` processes on the primary — one with TAMS_DATABASE_READ_URLS, one without — measured in
 * turn (interleaved rounds) with autocannon on the REST window read of a seeded flow. Reports req/s,
 * p50/p99, the share of reads the standby served, and the ratio. On one 2-core machine the standby adds
 * no CPU: the point is that routing costs little and the path scales on separate hosts.
 *
 *   npm run build && npx tsx loadtest/read-endpoints-bench.ts [--seconds 10] [--rounds 3] [--connections 20]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { startReplicatedPostgres } from '../lib/executor/test-support/postgres-standby.js';
import { spawnServe } from '../test/support/serve-process.js';
import { bearer, createToken } from '../test/support/admin-token.js';
import { StoreClient } from './bench/store-client.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '20' },
    segments: { type: 'string', default: '5000' },
  },
});
const log = (line: string) => process.stderr.write(`${line}\n`);

const pg = await startReplicatedPostgres();
log(`primary ${pg.primaryUrl}, standby ${pg.standbyUrl}`);
// One data directory: the two processes are replicas of one store (the same object store and signing key).
const dataDir = mkdtempSync(join(tmpdir(), 'tams-read-endpoints-bench-'));
const common = {
  TAMS_DATABASE_URL: pg.primaryUrl,
  TAMS_DATA_DIR: dataDir,
  TAMS_PORT: '0',
  TAMS_LOG_LEVEL: 'warn',
  TAMS_CACHE: 'off',
};
const token = await createToken(
  { kind: 'postgres', url: pg.primaryUrl, poolSize: 2, statementTimeoutMs: 30_000 },
  'read-endpoints-bench',
);
const headers = bearer(token);
const [primaryOnly, withStandby] = await Promise.all([
  spawnServe(common),
  spawnServe({ ...common, TAMS_DATABASE_READ_URLS: pg.standbyUrl }),
]);
try {
  const client = new StoreClient(primaryOnly.url, headers);
  const flowId = await client.createFlow('read endpoints bench');
  await client.seedSegments(flowId, Number(values.segments), (n) => log(`seeded ${n} segments`));
  await client.close();
  const mid = Math.floor(Number(values.segments) / 2);
  const path = `/flows/${flowId}/segments?limit=10&timerange=[${mid}:0_${mid + 10}:0)`;

  const measure = async (url: string) => {
    const result = await autocannon({
      url: `${url}${path}`,
      headers,
      connections: Number(values.connections),
      duration: Number(values.seconds),
    });
    if (result.non2xx || result.errors)
      throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
    return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
  };
  const standbyReads = async () => {
    const text = await (await fetch(`${withStandby.url}/metrics`)).text();
    return [...text.matchAll(/^tams_db_endpoint_reads_total\{[^}]*outcome="ok"[^}]*\} (\S+)$/gm)].reduce(
      (sum, m) => sum + Number(m[1]),
      0,
    );
  };
  const rows: {
    round: number;
    target: string;
    rps: number;
    p50: number;
    p99: number;
    standbyReadsPerRequest?: number;
  }[] = [];
  for (let round = 1; round <= Number(values.rounds); round++) {
    const order = round % 2 ? ['primary', 'standby'] : ['standby', 'primary'];
    for (const target of order) {
      const before = await standbyReads();
      const figures = await measure(target === 'primary' ? primaryOnly.url : withStandby.url);
      const served = (await standbyReads()) - before;
      rows.push({
        round,
        target,
        ...figures,
        ...(target === 'standby'
          ? { standbyReadsPerRequest: served / (figures.rps * Number(values.seconds)) }
          : {}),
      });
      log(
        `round ${round} ${target}: ${figures.rps.toFixed(0)} req/s, p50 ${figures.p50} ms, p99 ${figures.p99} ms`,
      );
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const of = (t: string) => rows.filter((r) => r.target === t);
  const summary = {
    bench: 'read-endpoints',
    primaryOnlyRps: median(of('primary').map((r) => r.rps)),
    withStandbyRps: median(of('standby').map((r) => r.rps)),
    standbyReadsPerRequest: median(of('standby').map((r) => r.standbyReadsPerRequest ?? 0)),
    rows,
  };
  console.log(
    `| primary only | with a standby | ratio | executor reads per request on the standby |\n|---|---|---|---|\n| ${summary.primaryOnlyRps.toFixed(0)} req/s | ${summary.withStandbyRps.toFixed(0)} req/s | ${(summary.withStandbyRps / summary.primaryOnlyRps).toFixed(2)} | ${summary.standbyReadsPerRequest.toFixed(1)} |`,
  );
  console.log(JSON.stringify(summary));
} finally {
  primaryOnly.child.kill('SIGTERM');
  withStandby.child.kill('SIGTERM');
  await Promise.all([primaryOnly.exited, withStandby.exited]);
  await pg.close();
  rmSync(dataDir, { recursive: true, force: true });
}
