import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../test-support/eventually.js';
import type { EntryRequest } from './cache-store.js';
import type { CacheResult, CacheState } from './coherent-cache.js';
import { CoherentCache } from './coherent-cache.js';
import { MemoryStore } from './memory-store.js';
import { FaultyStore } from './test-support/faulty-store.js';
import type { ValueCodec } from './value-codec.js';
import { jsonCodec } from './value-codec.js';

interface Flow {
  id: string;
  version: number;
}

/** A cache, its outcome counts, its states, and a "database" the loaders read and count. */
function setup(store = new FaultyStore(), recoveryRetryMs = 5) {
  const counts: Record<CacheResult, number> = { hit: 0, miss: 0, bypass: 0, error: 0 };
  const states: CacheState[] = [];
  const cache = new CoherentCache(store, {
    recoveryRetryMs,
    onRequests: (_cache, result, count) => (counts[result] += count),
    onState: (state) => states.push(state),
  });
  const database = new Map<string, number>();
  const loads: string[][] = [];
  const flows = cache.space<Flow>({ name: 'flow', ttlMs: 60_000 });
  const load = (misses: readonly EntryRequest[]) => {
    loads.push(misses.map((m) => m.key));
    return Promise.resolve(misses.map((m) => ({ id: m.key, version: database.get(m.key) ?? 0 })));
  };
  const get = (...ids: string[]) =>
    flows.loadMany(
      ids.map((id) => ({ key: id, deps: [`flow:${id}`] })),
      load,
    );
  /** Commit, then invalidate, then acknowledge: what a writer does. */
  const write = async (id: string) => {
    database.set(id, (database.get(id) ?? 0) + 1);
    await cache.invalidate([`flow:${id}`]);
  };
  return { store, cache, counts, states, database, loads, flows, get, write };
}

const opened: CoherentCache[] = [];
afterEach(async () => {
  for (const cache of opened.splice(0)) await cache.close();
});
function started(store?: FaultyStore, recoveryRetryMs?: number) {
  const s = setup(store, recoveryRetryMs);
  opened.push(s.cache);
  return s;
}

describe('CoherentCache', () => {
  it('starts bypassed and is enabled once its own epoch bump succeeded', async () => {
    const { cache, store, states } = started();
    expect(cache.state).toBe('bypass');
    await cache.whenEnabled();
    expect(store.calls[0]).toBe('bumpEpoch');
    expect(states).toEqual(['enabled']);
  });

  it('loads only the misses, in one batch and in order, then serves them from the cache', async () => {
    const { cache, get, loads, counts, database } = started();
    await cache.whenEnabled();
    database.set('b', 7);
    expect(await get('a', 'b')).toEqual([
      { id: 'a', version: 0 },
      { id: 'b', version: 7 },
    ]);
    await cache.flush();
    expect(await get('b', 'c', 'a')).toEqual([
      { id: 'b', version: 7 },
      { id: 'c', version: 0 },
      { id: 'a', version: 0 },
    ]);
    await cache.flush();
    expect(await get('a', 'b', 'c')).toHaveLength(3);
    expect(loads).toEqual([['a', 'b'], ['c']]);
    expect(counts).toEqual({ hit: 5, miss: 3, bypass: 0, error: 0 });
  });

  it('after invalidate, the entries depending on it are loaded again and the others still hit', async () => {
    const { cache, get, write, loads } = started();
    await cache.whenEnabled();
    await get('a', 'b');
    await cache.flush();
    await write('a');
    expect(await get('a', 'b')).toEqual([
      { id: 'a', version: 1 },
      { id: 'b', version: 0 },
    ]);
    expect(loads).toEqual([['a', 'b'], ['a']]);
  });

  it('returns undefined from the loader without storing it, and stores values with bigint and Date', async () => {
    const { cache } = started();
    await cache.whenEnabled();
    const rows = cache.space<{ t: bigint; at: Date } | undefined>({ name: 'row', ttlMs: 60_000 });
    let calls = 0;
    const load = (misses: readonly EntryRequest[]) => {
      calls += 1;
      return Promise.resolve(
        misses.map((m) => (m.key === 'none' ? undefined : { t: 2n ** 70n, at: new Date(5) })),
      );
    };
    const requests = [
      { key: 'none', deps: [] },
      { key: 'some', deps: ['x'] },
    ];
    await rows.loadMany(requests, load);
    await cache.flush();
    expect(await rows.loadMany(requests, load)).toEqual([undefined, { t: 2n ** 70n, at: new Date(5) }]);
    expect(calls).toBe(2);
  });

  it('passes loader failures on and refuses a loader that returns the wrong number of values', async () => {
    const { cache, flows } = started();
    await cache.whenEnabled();
    await expect(
      flows.loadMany([{ key: 'a', deps: [] }], () => Promise.reject(new Error('db down'))),
    ).rejects.toThrow('db down');
    await expect(flows.loadMany([{ key: 'a', deps: [] }], () => Promise.resolve([]))).rejects.toThrow(
      /returned 0 values for 1 requests/,
    );
    expect(cache.state).toBe('enabled');
  });

  it('loads again a cached value that does not decode (written by another version of the code)', async () => {
    const { cache } = started();
    await cache.whenEnabled();
    const json = jsonCodec<number>();
    const picky: ValueCodec<number> = {
      encode: (n) => json.encode(n),
      decode: (bytes) => {
        const n = json.decode(bytes);
        if (n === 1) throw new Error('unknown shape');
        return n;
      },
    };
    const space = cache.space<number>({ name: 'n', ttlMs: 60_000, codec: picky });
    let version = 1;
    const load = (misses: readonly EntryRequest[]) => Promise.resolve(misses.map(() => version++));
    await space.loadMany([{ key: 'k', deps: [] }], load);
    await cache.flush();
    expect(await space.loadMany([{ key: 'k', deps: [] }], load)).toEqual([2]);
  });

  it('hands out frozen values; a hit on unchanged bytes is the value decoded before, a changed entry a new one', async () => {
    const { cache, get, write } = started();
    await cache.whenEnabled();
    const [loaded] = await get('a');
    expect(Object.isFrozen(loaded)).toBe(true);
    await cache.flush();
    const [first] = await get('a');
    const [again] = await get('a');
    expect(again).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    // Shared between requests, so a caller cannot change what the next one reads.
    expect(() => {
      (first as { version: number }).version = 99;
    }).toThrow(TypeError);
    await write('a');
    await get('a');
    await cache.flush();
    const [after] = await get('a');
    expect(after).not.toBe(first);
    expect(after).toEqual({ id: 'a', version: 1 });
  });

  it('with decodedBytes 0 every hit is decoded anew (and still frozen)', async () => {
    const cache = new CoherentCache(new MemoryStore(), { decodedBytes: 0 });
    opened.push(cache);
    await cache.whenEnabled();
    const space = cache.space<{ n: number[] }>({ name: 'n', ttlMs: 60_000 });
    const load = (misses: readonly EntryRequest[]) => Promise.resolve(misses.map(() => ({ n: [1, 2] })));
    await space.loadMany([{ key: 'k', deps: [] }], load);
    await cache.flush();
    const [first] = await space.loadMany([{ key: 'k', deps: [] }], load);
    const [again] = await space.loadMany([{ key: 'k', deps: [] }], load);
    expect(again).toEqual(first);
    expect(again).not.toBe(first);
    expect(Object.isFrozen(again?.n)).toBe(true);
  });

  it('fills in the background: a request does not wait for the fill, flush() does', async () => {
    const { cache, store, get } = started();
    await cache.whenEnabled();
    store.held.add('fill');
    expect(await get('a')).toEqual([{ id: 'a', version: 0 }]);
    expect(store.waiting).toBe(1);
    const flushed = cache.flush();
    store.release();
    await flushed;
    store.held.clear();
    expect((await store.inner.read([{ key: 'flow:a', deps: ['flow:a'] }]))[0]?.hit).toBe(true);
  });
});

describe('CoherentCache through failures', () => {
  it('a failed read sends the whole batch to the loader, counted as errors, and bypasses until recovered', async () => {
    const { cache, store, get, counts, loads } = started();
    await cache.whenEnabled();
    store.failing.add('read');
    store.failing.add('bumpEpoch');
    expect(await get('a', 'b')).toEqual([
      { id: 'a', version: 0 },
      { id: 'b', version: 0 },
    ]);
    expect(cache.state).toBe('bypass');
    const readsBefore = store.calls.filter((c) => c === 'read').length;
    expect(await get('a')).toEqual([{ id: 'a', version: 0 }]);
    expect(store.calls.filter((c) => c === 'read').length).toBe(readsBefore);
    expect(counts).toMatchObject({ error: 2, bypass: 1, hit: 0 });
    expect(loads).toEqual([['a', 'b'], ['a']]);
    expect(store.calls).not.toContain('fill');
    // Recovery retries the epoch bump on a live connection until it succeeds.
    store.failing.clear();
    await cache.whenEnabled();
  });

  it('a lost connection bypasses; recovery waits for it and bumps the epoch, so nothing from before is served', async () => {
    const { cache, store, get, write, states, loads } = started();
    await cache.whenEnabled();
    await get('a');
    await cache.flush();
    store.setConnection('down');
    expect(cache.state).toBe('bypass');
    // A write during the outage: the bump fails, the write is still acknowledged.
    await write('a');
    expect(await get('a')).toEqual([{ id: 'a', version: 1 }]);
    const epochBumps = store.calls.filter((c) => c === 'bumpEpoch').length;
    store.setConnection('up');
    await cache.whenEnabled();
    expect(store.calls.filter((c) => c === 'bumpEpoch').length).toBeGreaterThan(epochBumps);
    expect(await get('a')).toEqual([{ id: 'a', version: 1 }]);
    expect(states).toEqual(['enabled', 'bypass', 'enabled']);
    expect(loads).toEqual([['a'], ['a'], ['a']]);
  });

  it('an epoch bump that was in flight when another failure happened does not re-enable the cache', async () => {
    const { cache, store } = started();
    await cache.whenEnabled();
    store.held.add('bumpEpoch');
    store.failing.add('read');
    await cache
      .space<number>({ name: 'n', ttlMs: 1 })
      .loadMany([{ key: 'k', deps: [] }], () => Promise.resolve([1]));
    await eventually(() => store.waiting === 1, 'the recovery epoch bump to be sent');
    // A blip while the recovery's epoch bump is in flight: that bump may have run before it.
    store.setConnection('down');
    store.setConnection('up');
    store.release();
    // The bump succeeded, but does not count; the next attempt is held again.
    await eventually(() => store.waiting === 1, 'a second recovery attempt');
    expect(cache.state).toBe('bypass');
    expect(store.calls.filter((c) => c === 'bumpEpoch')).toHaveLength(3);
    store.held.clear();
    store.release();
    await cache.whenEnabled();
  });

  it('when the bump fails, invalidate begins a new epoch before returning, so no replica serves the old value', async () => {
    const { cache, store, get, write } = started();
    await cache.whenEnabled();
    await get('a', 'b');
    await cache.flush();
    store.failing.add('bump');
    await write('a');
    expect(store.calls.slice(store.calls.lastIndexOf('bump'))).toContain('bumpEpoch');
    // Another replica sharing the store (here: the store itself) sees no entry from before.
    expect((await store.inner.read([{ key: 'flow:a', deps: ['flow:a'] }]))[0]?.hit).toBe(false);
    expect((await store.inner.read([{ key: 'flow:b', deps: ['flow:b'] }]))[0]?.hit).toBe(false);
    store.failing.clear();
    expect(await get('a')).toEqual([{ id: 'a', version: 1 }]);
  });

  it('when neither the bump nor the epoch bump succeeds, invalidate still returns and the cache is bypassed', async () => {
    const { cache, store, write, get } = started();
    await cache.whenEnabled();
    await get('a');
    await cache.flush();
    store.failing.add('bump');
    store.failing.add('bumpEpoch');
    await expect(write('a')).resolves.toBeUndefined();
    expect(cache.state).toBe('bypass');
    expect(await get('a')).toEqual([{ id: 'a', version: 1 }]);
    store.failing.clear();
    await cache.whenEnabled();
    expect(await get('a')).toEqual([{ id: 'a', version: 1 }]);
  });

  it('a failed fill bypasses the cache; the request it belonged to was answered already', async () => {
    const { cache, store, get } = started(new FaultyStore(), 3_600_000);
    await cache.whenEnabled();
    store.failing.add('fill');
    store.failing.add('bumpEpoch');
    expect(await get('a')).toEqual([{ id: 'a', version: 0 }]);
    await cache.flush();
    expect(cache.state).toBe('bypass');
  });

  it('immutable entries: stored and read while enabled, skipped while bypassed, errors answered as misses', async () => {
    const { cache, store, counts } = started(new FaultyStore(), 3_600_000);
    await cache.whenEnabled();
    const documents = cache.immutable<string>({ name: 'apq', ttlMs: 60_000 });
    expect(await documents.get('h1')).toBeUndefined();
    await documents.set('h1', '{ flows { id } }');
    expect(await documents.get('h1')).toBe('{ flows { id } }');
    store.failing.add('getImmutable');
    store.failing.add('bumpEpoch');
    expect(await documents.get('h1')).toBeUndefined();
    const calls = store.calls.length;
    expect(await documents.get('h1')).toBeUndefined();
    await documents.set('h2', 'x');
    expect(store.calls.length).toBe(calls);
    expect(counts).toEqual({ hit: 1, miss: 1, error: 1, bypass: 1 });
  });

  it('close waits for fills, stops recovery and closes the store', async () => {
    const store = new FaultyStore();
    const { cache, get } = setup(store, 1);
    await cache.whenEnabled();
    await get('a');
    store.setConnection('down');
    await cache.close();
    const calls = store.calls.length;
    store.setConnection('up');
    expect(store.calls.length).toBe(calls);
    expect(cache.state).toBe('bypass');
  });

  it('works the same over the plain memory store (embedded mode)', async () => {
    const cache = new CoherentCache(new MemoryStore());
    opened.push(cache);
    await cache.whenEnabled();
    const space = cache.space<string>({ name: 's', ttlMs: 60_000 });
    let n = 0;
    const load = (misses: readonly EntryRequest[]) => Promise.resolve(misses.map(() => `v${n++}`));
    expect(await space.loadMany([{ key: 'k', deps: ['d'] }], load)).toEqual(['v0']);
    await cache.flush();
    expect(await space.loadMany([{ key: 'k', deps: ['d'] }], load)).toEqual(['v0']);
    await cache.invalidate(['d']);
    expect(await space.loadMany([{ key: 'k', deps: ['d'] }], load)).toEqual(['v1']);
  });
});
