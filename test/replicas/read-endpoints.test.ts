import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ReplicatedPostgres } from '../../lib/executor/test-support/postgres-standby.js';
import { startReplicatedPostgres } from '../../lib/executor/test-support/postgres-standby.js';
import { eventually } from '../../lib/test-support/eventually.js';
import type { Replica, Replicas } from './harness.js';
import { startReplicas } from './harness.js';
import { metricsText, sumOf } from './prometheus.js';
import { firstOf, newTally, Workload } from './rounds.js';
import type { Target } from './store-client.js';

/**
 * Two gateway replicas (separate `tams serve` processes) on a PostgreSQL primary with a real streaming
 * standby as their read endpoint, sharing the floor of acknowledged writes through Redis (issue 16):
 * a write acknowledged by one replica is never missing from a read through the other, although reads
 * go to the standby whenever it has replayed far enough.
 */

let pg: ReplicatedPostgres;
let set: Replicas;
let a: Replica;
let b: Replica;
const target = (replica: Replica): Target => ({ url: replica.url, headers: set.headers });

beforeAll(async () => {
  pg = await startReplicatedPostgres();
  set = await startReplicas(2, {
    database: { url: pg.primaryUrl, name: 'tams', drop: () => Promise.resolve() },
    env: { TAMS_DATABASE_READ_URLS: pg.standbyUrl, TAMS_READ_PROBE_MS: '100' },
  });
  [a, b] = set.replicas as [Replica, Replica];
});
afterAll(async () => {
  await set?.close();
  await pg?.close();
});
beforeEach((ctx) => {
  ctx.onTestFailed(() => console.error(`replica output at the failure:\n${set?.logs()}`));
});

const standbyReads = async (replica: Replica) =>
  sumOf(await metricsText(replica.url), 'tams_db_endpoint_reads_total', { outcome: 'ok' });

describe('two replicas reading from a streaming standby', () => {
  it('report the standby in /health and admit it', async () => {
    await eventually(async () => {
      const health = (await (await fetch(`${b.url}/health`)).json()) as {
        readEndpoints?: { up: boolean }[];
      };
      return health.readEndpoints?.[0]?.up === true;
    }, 'the standby admitted on replica B');
  });

  it('1,000 rounds of a write through one replica and a read through the other: 0 stale reads', async () => {
    const before = (await standbyReads(a)) + (await standbyReads(b));
    const workload = await Workload.create(target(a), 5);
    const tally = newTally();
    await workload.run(
      0,
      1000,
      (i) => (Math.floor(i / 10) % 2 === 0 ? [target(a), target(b)] : [target(b), target(a)]),
      tally,
    );
    const served = (await standbyReads(a)) + (await standbyReads(b)) - before;
    console.log(
      `read endpoints: ${tally.rounds} rounds, ${tally.stale.length} stale, ${tally.failed.length} failed; ${served} reads served by the standby`,
    );
    expect(firstOf(tally.failed)).toEqual([]);
    expect(firstOf(tally.stale)).toEqual([]);
    expect(served).toBeGreaterThan(0);
  });
});
