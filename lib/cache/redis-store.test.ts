import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../test-support/eventually.js';
import type { CacheStore } from './cache-store.js';
import { cacheStoreContract } from './contract/cache-store.contract.js';
import { readAndFill, request, stampsOf, unique, valueOf } from './contract/harness.js';
import type { RedisStoreOptions } from './redis-store.js';
import { RedisStore } from './redis-store.js';
import type { TestRedisServer } from './test-support/redis-server.js';
import { startRedisServer } from './test-support/redis-server.js';

let server: TestRedisServer | undefined;
let raw: Redis | undefined;
beforeAll(async () => {
  server = await startRedisServer();
  raw = new Redis(server.url);
});
afterAll(async () => {
  await raw?.quit();
  await server?.stop();
});
const redis = () => {
  if (!raw) throw new Error('the test Redis did not start');
  return raw;
};

/** A store on the test server under a prefix of its own; the gap check and quiet periods off unless asked. */
function openStore(options: Partial<RedisStoreOptions> = {}): RedisStore {
  if (!server) throw new Error('the test Redis did not start');
  return new RedisStore({
    url: server.url,
    prefix: `test:${randomUUID()}:`,
    heartbeatMs: 0,
    gapMs: 0,
    quietMs: 0,
    // Only the outage tests time out on purpose; here a slow machine must not fail a command.
    commandTimeoutMs: 30_000,
    ...options,
  });
}

async function connected(store: RedisStore): Promise<RedisStore> {
  await eventually(() => store.health === 'up', 'the store to connect');
  return store;
}

const prefixOf = (store: CacheStore) => (store as RedisStore).prefix;

cacheStoreContract({
  kind: 'redis',
  open: () => connected(openStore()),
  async evict(store, what) {
    const p = prefixOf(store);
    switch (what.kind) {
      case 'seq':
        await redis().del(`${p}seq`);
        break;
      case 'meta':
        await redis().del(`${p}meta`);
        break;
      case 'stamp':
        await redis().del(`${p}v:${what.dep}`);
        break;
      case 'entry':
        await redis().del(`${p}e:${what.key}`);
        break;
    }
  },
});

describe('RedisStore: state removed by hand or by eviction never yields a stale hit', () => {
  let store: RedisStore;
  beforeAll(async () => {
    store = await connected(openStore());
  });
  afterAll(() => store.close());

  /** An entry filled, then invalidated by a write: the state where a lost key could resurrect it. */
  async function invalidatedEntry() {
    const r = request(unique('k'), unique('dep'));
    await readAndFill(store, r, 'before the write');
    await store.bump([r.deps[0]!]);
    return r;
  }

  it('a deleted stamp is drawn anew, above every stamp before it', async () => {
    const r = await invalidatedEntry();
    const [before] = await store.read([r]);
    await redis().del(`${store.prefix}v:${r.deps[0]!}`);
    const [after] = await store.read([r]);
    expect(after?.hit).toBe(false);
    expect(BigInt(stampsOf(after).deps[0]!)).toBeGreaterThan(BigInt(stampsOf(before).deps[0]!));
  });

  it('a deleted sequence restarts above every stamp and epoch issued, and starts a new epoch', async () => {
    const valid = request(unique('k'), unique('dep'));
    await readAndFill(store, valid, 'valid');
    const stale = await invalidatedEntry();
    const [before] = await store.read([stale]);
    const issued = BigInt((await redis().get(`${store.prefix}seq`))!);
    await redis().del(`${store.prefix}seq`);
    await store.bump([unique('other')]);
    expect(BigInt((await redis().get(`${store.prefix}seq`))!)).toBeGreaterThan(issued);
    const [after, validAfter] = await store.read([stale, valid]);
    expect(after?.hit).toBe(false);
    expect(validAfter?.hit).toBe(false);
    expect(BigInt(stampsOf(after).epoch)).toBeGreaterThan(BigInt(stampsOf(before).epoch));
  });

  it('a sequence set below the epoch by hand still restarts above it', async () => {
    const r = request(unique('k'));
    const [before] = await store.read([r]);
    await redis().del(`${store.prefix}seq`);
    await redis().hset(`${store.prefix}meta`, 'epoch', String(BigInt(stampsOf(before).epoch) + 10n ** 12n));
    const [after] = await store.read([r]);
    expect(BigInt(stampsOf(after).epoch)).toBeGreaterThan(BigInt(stampsOf(before).epoch) + 10n ** 12n);
  });

  it('a deleted epoch starts a new one: no entry from before is a hit', async () => {
    const r = request(unique('k'), unique('dep'));
    await readAndFill(store, r, 'v');
    await redis().del(`${store.prefix}meta`);
    const [after] = await store.read([r]);
    expect(after?.hit).toBe(false);
    await store.fill([{ ...r, stamps: stampsOf(after), value: 'v2', ttlMs: 60_000 }]);
    expect(valueOf((await store.read([r]))[0])).toBe('v2');
  });

  it('a deleted entry is a miss, and everything deleted at once is too', async () => {
    const r = await invalidatedEntry();
    await redis().del(`${store.prefix}e:${r.key}`);
    expect((await store.read([r]))[0]?.hit).toBe(false);
    const s = request(unique('k'), unique('dep'));
    await readAndFill(store, s, 'v');
    const keys = await redis().keys(`${store.prefix}*`);
    await redis().del(...keys);
    expect((await store.read([s]))[0]?.hit).toBe(false);
  });

  it('an entry whose recorded stamp was edited by hand is a miss', async () => {
    const r = request(unique('k'), unique('dep'));
    await readAndFill(store, r, 'v');
    await redis().hset(`${store.prefix}e:${r.key}`, `d:${r.deps[0]!}`, '1');
    expect((await store.read([r]))[0]?.hit).toBe(false);
  });
});

describe('RedisStore: heartbeats, gaps and quiet periods', () => {
  it('refuses a gap check without heartbeats often enough to feed it', () => {
    expect(() => new RedisStore({ url: 'redis://127.0.0.1:1', heartbeatMs: 0, gapMs: 2000 })).toThrow(
      /heartbeat/,
    );
    expect(() => new RedisStore({ url: 'redis://127.0.0.1:1', heartbeatMs: 1000, gapMs: 2000 })).toThrow(
      /heartbeat/,
    );
  });

  it('ticks the server clock into meta while connected', async () => {
    const store = await connected(openStore({ heartbeatMs: 10, gapMs: 60_000 }));
    try {
      await eventually(
        async () => (await redis().hget(`${store.prefix}meta`, 'tick')) !== null,
        'a first heartbeat',
      );
      const first = await redis().hget(`${store.prefix}meta`, 'tick');
      await eventually(
        async () => (await redis().hget(`${store.prefix}meta`, 'tick')) !== first,
        'a second heartbeat',
      );
    } finally {
      await store.close();
    }
  });

  it('a heartbeat gap (the server hung, or everyone lost it) starts a new epoch and a quiet period', async () => {
    // The gap is made by hand: a heartbeat that runs first sees it too, with the same outcome.
    const checking = await connected(openStore({ heartbeatMs: 1000, gapMs: 60_000, quietMs: 3_600_000 }));
    try {
      const meta = `${checking.prefix}meta`;
      const r = request(unique('k'), unique('dep'));
      const [first] = await checking.read([r]); // a new prefix: no meta yet, so a quiet period begins
      await redis().hset(meta, 'quiet', '0');
      await checking.fill([{ ...r, stamps: stampsOf(first), value: 'before', ttlMs: 60_000 }]);
      expect(valueOf((await checking.read([r]))[0])).toBe('before');
      // The last heartbeat two hours ago: the next read sees the gap.
      const now = BigInt(Date.now()) * 1000n;
      await redis().hset(meta, 'tick', String(now - 2n * 3_600_000_000n));
      const [afterGap] = await checking.read([r]);
      expect(afterGap?.hit).toBe(false);
      expect(BigInt(stampsOf(afterGap).epoch)).toBeGreaterThan(BigInt(stampsOf(first).epoch));
      // Quiet: even an entry filled with the new epoch's stamps is no hit yet.
      await checking.fill([{ ...r, stamps: stampsOf(afterGap), value: 'during quiet', ttlMs: 60_000 }]);
      expect((await checking.read([r]))[0]?.hit).toBe(false);
      // The quiet period over (by hand), the entry serves.
      await redis().hset(meta, 'quiet', '0');
      expect(valueOf((await checking.read([r]))[0])).toBe('during quiet');
      // A clock that went back counts as a gap too.
      await redis().hset(meta, 'tick', String(now + 3_600_000_000n));
      expect((await checking.read([r]))[0]?.hit).toBe(false);
    } finally {
      await checking.close();
    }
  });

  it('an epoch bump begins a quiet period: no hits until it ends', async () => {
    const store = await connected(openStore({ quietMs: 3_600_000 }));
    try {
      const r = request(unique('k'), unique('dep'));
      await store.bumpEpoch();
      await readAndFill(store, r, 'v');
      expect((await store.read([r]))[0]?.hit).toBe(false);
      await redis().hset(`${store.prefix}meta`, 'quiet', '0');
      expect(valueOf((await store.read([r]))[0])).toBe('v');
    } finally {
      await store.close();
    }
  });
});
