import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../test-support/eventually.js';
import type { CacheResult } from './coherent-cache.js';
import { CoherentCache } from './coherent-cache.js';
import type { RedisStoreOptions } from './redis-store.js';
import { RedisStore } from './redis-store.js';
import { FaultyStore } from './test-support/faulty-store.js';
import type { TestRedisServer } from './test-support/redis-server.js';
import { startRedisServer } from './test-support/redis-server.js';

const IDS = ['a', 'b', 'c', 'd', 'e'];

let server: TestRedisServer;
let cache: CoherentCache | undefined;
beforeEach(async () => {
  server = await startRedisServer();
});
afterEach(async () => {
  server.resume();
  await cache?.close();
  cache = undefined;
  await server.stop();
});

/**
 * A replica: a CoherentCache on its own connection, a "database" of flow versions, and a record of
 * what it served. `get` checks every value against the last acknowledged write: never older.
 */
function replica(options: Partial<RedisStoreOptions> = {}) {
  // Nothing is made to fail here: the store only records the calls and epoch bumps that reached Redis.
  const store = new FaultyStore(
    new RedisStore({
      url: server.url,
      heartbeatMs: 0,
      gapMs: 0,
      quietMs: 0,
      commandTimeoutMs: 30_000,
      maxReconnectDelayMs: 50,
      ...options,
    }),
  );
  const log = store.calls;
  const counts: Record<CacheResult, number> = { hit: 0, miss: 0, bypass: 0, error: 0 };
  cache = new CoherentCache(store, {
    recoveryRetryMs: 50,
    onRequests: (_c, result, n) => (counts[result] += n),
    onState: (state) => log.push(state),
  });
  const c = cache;
  const database = new Map<string, number>();
  const acknowledged = new Map<string, number>();
  const loaded: string[] = [];
  const flows = c.space<{ id: string; version: number }>({ name: 'flow', ttlMs: 600_000 });
  const get = async (...ids: string[]) => {
    const floor = ids.map((id) => acknowledged.get(id) ?? 0);
    const values = await flows.loadMany(
      ids.map((id) => ({ key: id, deps: [`flow:${id}`] })),
      (misses) => {
        loaded.push(...misses.map((m) => m.key));
        return Promise.resolve(misses.map((m) => ({ id: m.key, version: database.get(m.key) ?? 0 })));
      },
    );
    values.forEach((v, i) =>
      expect(v!.version, `flow ${ids[i]} served stale`).toBeGreaterThanOrEqual(floor[i]!),
    );
    return values.map((v) => v!.version);
  };
  const write = async (id: string) => {
    const version = (database.get(id) ?? 0) + 1;
    database.set(id, version);
    await c.invalidate([`flow:${id}`]);
    acknowledged.set(id, version);
  };
  /** Loads every flow once, then waits until all of them hit. */
  const warm = async () => {
    await c.whenEnabled();
    await eventually(async () => {
      const before = counts.hit;
      await get(...IDS);
      await c.flush();
      return counts.hit - before === IDS.length;
    }, 'every flow to be cached');
  };
  return { cache: c, store, log, counts, loaded, get, write, warm, database };
}

describe('CoherentCache on Redis through outages', () => {
  it('redis-server killed mid-run: every request is answered from the database; restarted: no entry from before is served', async () => {
    const r = replica();
    await r.warm();
    // The dump a restart will load: entries, stamps, epoch, all as before the crash.
    const raw = new Redis(server.url);
    const epochBefore = await raw.hget('tams:cache:meta', 'epoch');
    await raw.save();
    await raw.quit();

    await server.kill();
    const requestsBefore = { ...r.counts };
    const loadedBefore = r.loaded.length;
    let requests = 0;
    // Writes and reads during the outage: the writes are acknowledged, the reads see them.
    for (const id of IDS) {
      await r.write(id);
      expect(await r.get(id)).toEqual([1]);
      requests += 1;
    }
    expect(await r.get(...IDS)).toEqual([1, 1, 1, 1, 1]);
    requests += IDS.length;
    expect(r.cache.state).toBe('bypass');
    expect(r.counts.hit).toBe(requestsBefore.hit);
    expect(r.counts.bypass + r.counts.error - requestsBefore.bypass - requestsBefore.error).toBe(requests);
    expect(r.loaded.length - loadedBefore).toBe(requests);

    r.log.push('restarted');
    await server.restart();
    const raw2 = new Redis(server.url);
    // The dump came back: the entries from before the crash are there, valid under the old epoch.
    expect(await raw2.hget('tams:cache:e:flow:a', 'epoch')).toBe(epochBefore);
    await r.cache.whenEnabled();
    const afterRestart = r.log.slice(r.log.indexOf('restarted'));
    expect(afterRestart.indexOf('epoch bumped')).toBeGreaterThan(-1);
    expect(afterRestart.indexOf('epoch bumped')).toBeLessThan(afterRestart.indexOf('enabled'));
    expect(await raw2.hget('tams:cache:meta', 'epoch')).not.toBe(epochBefore);
    await raw2.quit();

    // Every read after the restart gives the writes made during the outage; hits resume.
    expect(await r.get(...IDS)).toEqual([1, 1, 1, 1, 1]);
    await r.warm();
    expect(await r.get(...IDS)).toEqual([1, 1, 1, 1, 1]);
  });

  it('requests running while redis-server is killed all succeed, and none is stale', async () => {
    const r = replica();
    await r.warm();
    let stop = false;
    let rounds = 0;
    const failures: unknown[] = [];
    const traffic = (async () => {
      while (!stop) {
        const id = IDS[rounds % IDS.length]!;
        try {
          if (rounds % 3 === 0) await r.write(id);
          await r.get(...IDS);
        } catch (error) {
          failures.push(error);
        }
        rounds += 1;
        // The loaders here answer at once; a real one does I/O. Let timers and sockets run.
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await eventually(() => rounds >= 20, 'traffic before the crash');
    await server.kill();
    const atCrash = rounds;
    await eventually(() => rounds >= atCrash + 20 && r.cache.state === 'bypass', 'traffic during the outage');
    await server.restart();
    await r.cache.whenEnabled();
    const hitsAtRecovery = r.counts.hit;
    await eventually(() => r.counts.hit > hitsAtRecovery + 10, 'hits after the restart');
    stop = true;
    await traffic;
    expect(failures).toEqual([]);
  });

  it('a hung redis-server (SIGSTOP): one request waits for the timeout, the rest bypass; after SIGCONT nothing from before is served', async () => {
    const r = replica({ commandTimeoutMs: 300 });
    await r.warm();
    expect(r.cache.state).toBe('enabled');
    server.pause();
    const counts = { ...r.counts };
    const reads = r.log.filter((l) => l === 'read').length;
    const n = 6;
    for (let i = 0; i < n; i++) expect(await r.get('a')).toEqual([0]);
    expect(r.counts.error - counts.error).toBe(1);
    expect(r.counts.bypass - counts.bypass).toBe(n - 1);
    expect(r.counts.hit).toBe(counts.hit);
    expect(r.log.filter((l) => l === 'read').length - reads).toBe(1);
    // A write while it hangs: the bump and the epoch bump time out; the write is acknowledged.
    await r.write('a');
    expect(await r.get('a')).toEqual([1]);
    expect(r.cache.state).toBe('bypass');

    server.resume();
    await r.cache.whenEnabled();
    expect(await r.get(...IDS)).toEqual([1, 0, 0, 0, 0]);
    await r.warm();
    expect(await r.get('a')).toEqual([1]);
  });

  it('an idle replica notices a hung server by its heartbeat, and recovers after it', async () => {
    const r = replica({ commandTimeoutMs: 300, heartbeatMs: 20, gapMs: 0 });
    await r.warm();
    server.pause();
    await eventually(() => r.cache.state === 'bypass', 'the heartbeat to time out');
    expect(await r.get('a')).toEqual([0]);
    server.resume();
    await r.cache.whenEnabled();
  });
});
