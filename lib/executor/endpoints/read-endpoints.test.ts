import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadEndpointsConfig } from '../../config/config.js';
import { eventually } from '../../test-support/eventually.js';
import { openExecutor } from '../open-executor.js';
import { QueryMonitor } from '../query-monitor.js';
import { eq } from '../predicate.js';
import type { ReplicatedPostgres } from '../test-support/postgres-standby.js';
import { startReplicatedPostgres } from '../test-support/postgres-standby.js';
import type { RoutedExecutor } from './routed-executor.js';
import { MemoryLsnFloor } from './lsn-floor.js';
import { withReadScope } from './read-scope.js';

/**
 * Read endpoints on a real streaming standby (a primary and a pg_basebackup standby of the test's own):
 * reads of requests go to the standby only once it has replayed every acknowledged write, never read
 * older than that, survive the standby going away, and a lagging standby is taken out and comes back.
 */

let pg: ReplicatedPostgres;
let executor: RoutedExecutor;
const monitor = new QueryMonitor();

const settings: ReadEndpointsConfig = {
  urls: [],
  strategy: 'least-outstanding',
  // Probes are run by hand (probeReadEndpoints) where a test needs them; the interval is a backstop.
  probeMs: 200,
  maxLagSeconds: 1,
  failuresToEject: 2,
  probesToAdmit: 2,
  scanWaitMs: 5000,
};

beforeAll(async () => {
  pg = await startReplicatedPostgres();
  executor = (await openExecutor(
    {
      kind: 'postgres',
      url: pg.primaryUrl,
      poolSize: 4,
      statementTimeoutMs: 30_000,
      reads: { ...settings, urls: [pg.standbyUrl] },
    },
    { monitor },
  )) as RoutedExecutor;
  await admitted();
});
afterAll(async () => {
  await executor?.close();
  await pg?.close();
});

const standby = () => executor.readEndpoints()[0]!;
async function admitted(): Promise<void> {
  await eventually(async () => {
    await executor.probeReadEndpoints();
    return standby().up;
  }, 'the standby to be admitted');
}

/** One row of the store's schema to write and read back: an outbox consumer's cursor. */
const CONSUMER = 'read-endpoints-test';
async function write(value: bigint, via: RoutedExecutor = executor): Promise<void> {
  await withReadScope(() =>
    via.upsert(
      'outbox_cursors',
      [{ consumer: CONSUMER, last_seq: value, owner: null, lease_expires: null, updated: new Date() }],
      { conflict: ['consumer'], update: ['last_seq', 'updated'] },
    ),
  );
}
const read = (via: RoutedExecutor = executor) =>
  withReadScope(async () => (await via.lookup('outbox_cursors', 'consumer', [CONSUMER]))[0]?.last_seq);

describe('read endpoints on a streaming standby', () => {
  it('never read older than an acknowledged write: 1,000 write-then-read rounds, some served by the standby', async () => {
    const before = standby().reads;
    let stale = 0;
    for (let i = 1n; i <= 1000n; i++) {
      await write(i);
      // Read at once (the standby has rarely replayed the write yet: the primary answers), then again
      // (by then it often has, and answers).
      for (let k = 0; k < 3; k++) if ((await read()) !== i) stale += 1;
    }
    expect(stale).toBe(0);
    // The standby replays within moments here: reads that found it caught up went there.
    expect(standby().reads).toBeGreaterThan(before);
    // The query monitor tells the servers apart (analytics.queryPerformance.endpoints).
    const byServer = new Map(monitor.endpoints().map((e) => [e.endpoint, e.count]));
    expect(byServer.get(standby().name)).toBeGreaterThan(0);
    expect(byServer.get('primary')).toBeGreaterThan(0);
  });

  it('with replay delayed, reads after writes go to the primary, still never stale', async () => {
    // Far longer than the loop can take even on a loaded machine (a 2 s delay was outrun once in CI),
    // and in effect when delayReplay resolves (a write just after the reload was once replayed at once):
    // no write below is replayed before the delay is lifted, so the standby can answer none of the reads.
    await pg.delayReplay(120_000);
    try {
      const before = standby().reads;
      let stale = 0;
      for (let i = 1n; i <= 50n; i++) {
        await write(i);
        if ((await read()) !== i) stale += 1;
      }
      expect(stale).toBe(0);
      expect(standby().reads).toBe(before);
    } finally {
      await pg.delayReplay(0);
    }
    await admitted();
  });

  it('a standby stopped mid-load costs no failed read; reads move to the primary, and come back after it restarts', async () => {
    await write(7n);
    const failures: unknown[] = [];
    let running = true;
    const load = (async () => {
      while (running) {
        try {
          expect(await read()).toBe(7n);
        } catch (error) {
          failures.push(error);
        }
      }
    })();
    await eventually(() => standby().reads > 0, 'reads on the standby');
    await pg.stopStandby();
    await eventually(async () => {
      await executor.probeReadEndpoints();
      return !standby().up;
    }, 'the stopped standby to be taken out');
    const readsWhileDown = standby().reads;
    await new Promise((r) => setTimeout(r, 200));
    expect(standby().reads).toBe(readsWhileDown);
    await pg.startStandby();
    await admitted();
    await eventually(() => standby().reads > readsWhileDown, 'reads on the standby again');
    running = false;
    await load;
    expect(failures).toEqual([]);
  });

  it('takes a lagging standby out and admits it again once it has caught up', async () => {
    await pg.delayReplay(3000);
    try {
      await write(1n);
      await write(2n);
      await eventually(async () => {
        await executor.probeReadEndpoints();
        return standby().reason === 'lagging';
      }, 'the lagging standby to be taken out');
      expect(standby().up).toBe(false);
    } finally {
      await pg.delayReplay(0);
    }
    await admitted();
    expect(standby().lagSeconds).toBeLessThanOrEqual(settings.maxLagSeconds);
  });

  it('raises the floor past the events it reads from the outbox, before anyone can hand them on', async () => {
    const floor = new MemoryLsnFloor();
    const routed = (await openExecutor(
      {
        kind: 'postgres',
        url: pg.primaryUrl,
        poolSize: 2,
        statementTimeoutMs: 30_000,
        reads: { ...settings, urls: [pg.standbyUrl] },
      },
      { floor },
    )) as RoutedExecutor;
    try {
      const head = await routed.outboxHead();
      // Written behind the routing executor's back (another process), so only reading raises the floor.
      await executor.transaction((tx) =>
        tx.insert('event_outbox', [
          {
            event_type: 'flows/updated',
            event_timestamp: new Date(),
            flow_id: null,
            source_id: null,
            payload: {},
          },
        ]),
      );
      const before = await floor.current();
      const events = await routed.readOutbox(head, 10);
      expect(events).toHaveLength(1);
      expect(await floor.current()).toBeGreaterThan(before);
    } finally {
      await routed.close();
    }
  });

  it('a scan waits for the standby to replay a fresh write; a window read goes to the primary at once', async () => {
    // Its own executor: a 3 s replay delay (a loaded machine may well stall 300 ms between a write and
    // the read after it, never 3 s) under a lag bound it stays within, and a scan wait that outlasts it.
    const routed = (await openExecutor({
      kind: 'postgres',
      url: pg.primaryUrl,
      poolSize: 2,
      statementTimeoutMs: 30_000,
      reads: { ...settings, urls: [pg.standbyUrl], maxLagSeconds: 60, scanWaitMs: 30_000 },
    })) as RoutedExecutor;
    const standbyOf = () => routed.readEndpoints()[0]!;
    try {
      await eventually(async () => {
        await routed.probeReadEndpoints();
        return standbyOf().up;
      }, 'the standby to be admitted');
      await pg.delayReplay(3000);
      // Written through this executor: its floor is the one its reads are held to.
      await write(500n, routed);
      const before = standbyOf().reads;
      // A window read right after the write: the standby lags, the primary answers.
      expect(
        await withReadScope(
          async () => (await routed.lookup('outbox_cursors', 'consumer', [CONSUMER]))[0]?.last_seq,
        ),
      ).toBe(500n);
      expect(standbyOf().reads).toBe(before);
      await write(501n, routed);
      // A scan right after another write: it waits (up to scanWaitMs) and runs on the standby.
      const count = await withReadScope(() =>
        routed.aggregate({
          table: 'outbox_cursors',
          where: eq('consumer', CONSUMER),
          measures: { top: { fn: 'max', of: { kind: 'column', column: 'last_seq' } } },
        }),
      );
      expect(count[0]?.values['top']).toBe(501n);
      expect(standbyOf().reads).toBe(before + 1);
    } finally {
      await pg.delayReplay(0);
      await routed.close();
    }
    await admitted();
  });

  it.each(['round-robin', 'least-outstanding', 'latency'] as const)(
    'spreads reads over the endpoints: %s',
    async (strategy) => {
      // The standby twice, as two endpoints (two pools): enough to see where each strategy sends reads.
      const routed = (await openExecutor({
        kind: 'postgres',
        url: pg.primaryUrl,
        poolSize: 2,
        statementTimeoutMs: 30_000,
        reads: { ...settings, strategy, urls: [pg.standbyUrl, pg.standbyUrl] },
      })) as RoutedExecutor;
      try {
        await eventually(async () => {
          await routed.probeReadEndpoints();
          return routed.readEndpoints().every((e) => e.up);
        }, 'both endpoints admitted');
        // Concurrent reads, so that least-outstanding sees reads in flight.
        for (let round = 0; round < 20; round++)
          await Promise.all(
            Array.from({ length: 4 }, () =>
              withReadScope(() => routed.lookup('outbox_cursors', 'consumer', [CONSUMER])),
            ),
          );
        const reads = routed.readEndpoints().map((e) => e.reads);
        expect(reads.reduce((a, b) => a + b, 0)).toBe(80);
        expect(reads.every((n) => n > 0)).toBe(true);
      } finally {
        await routed.close();
      }
    },
  );

  it('writes, transactions and reads outside a request stay on the primary', async () => {
    const before = standby().reads;
    await executor.transaction(async (tx) => {
      await tx.update('outbox_cursors', eq('consumer', CONSUMER), { last_seq: 99n });
    });
    expect((await executor.lookup('outbox_cursors', 'consumer', [CONSUMER]))[0]?.last_seq).toBe(99n);
    // A request that wrote reads its own write from the primary.
    await withReadScope(async () => {
      await executor.update('outbox_cursors', eq('consumer', CONSUMER), { last_seq: 100n });
      expect((await executor.lookup('outbox_cursors', 'consumer', [CONSUMER]))[0]?.last_seq).toBe(100n);
    });
    expect(standby().reads).toBe(before);
  });
});
