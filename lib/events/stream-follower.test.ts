import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Redis } from 'ioredis';
import type { Executor, OutboxEvent } from '../executor/index.js';
import { eq } from '../executor/index.js';
import type { TestRedisServer } from '../cache/test-support/redis-server.js';
import { startRedisServer } from '../cache/test-support/redis-server.js';
import { eventually } from '../test-support/eventually.js';
import { busKeys } from './bus-stream.js';
import type { StreamFollowerOptions } from './stream-follower.js';
import { StreamFollower } from './stream-follower.js';
import type { BusDatabase } from './test-support/bus-harness.js';
import {
  flowEvent,
  inspector,
  isolation,
  keysOf,
  openBusDatabase,
  outboxAfter,
  sourceEvent,
  streamEntries,
  writeEvents,
} from './test-support/bus-harness.js';

let redisServer: TestRedisServer;
let redis: Redis;

beforeAll(async () => {
  redisServer = await startRedisServer();
  redis = inspector(redisServer.url);
});
afterAll(async () => {
  redis?.disconnect();
  await redisServer?.stop();
});

/** The stream holds exactly these outbox events, once each, in order, each naming the one before. */
async function expectStreamIs(prefix: string, expected: { position: bigint }[], start: bigint) {
  const entries = await streamEntries(redis, prefix);
  expect(entries.map((e) => e.event.position)).toEqual(expected.map((e) => e.position));
  let previous = start;
  for (const entry of entries) {
    expect(entry.previous).toBe(previous);
    previous = entry.event.position;
  }
}

describe.each(['sqlite', 'postgres'] as const)('StreamFollower on %s', (backend) => {
  let db: BusDatabase;
  let executor: Executor;
  const followers: StreamFollower[] = [];

  beforeAll(async () => {
    db = await openBusDatabase(backend);
    executor = db.executor;
  });
  afterEach(async () => {
    await Promise.all(followers.splice(0).map((f) => f.stop()));
  });
  afterAll(async () => {
    await db?.close();
  });

  const follower = (options: Omit<StreamFollowerOptions, 'redisUrl'>, on: Executor = executor) => {
    const f = new StreamFollower(on, {
      redisUrl: redisServer.url,
      pollMs: 20,
      standbyMs: 20,
      cursorStoreMs: 0,
      ...options,
    });
    followers.push(f);
    f.start();
    return f;
  };
  const cursorOf = async (consumer: string) =>
    (await executor.lookup('outbox_cursors', 'consumer', [consumer]))[0]?.last_seq;

  it('publishes events committed after its first start, keyed by outbox position, then stores its cursor', async () => {
    const { prefix, consumer } = isolation();
    await writeEvents(executor, flowEvent('flows/created')); // history: never published
    const head = await executor.outboxHead();
    const f = follower({ prefix, consumer });
    await eventually(() => f.isHolder, 'the lease');
    await eventually(async () => (await cursorOf(consumer)) === head, 'the first cursor at the head');

    const written = [flowEvent('flows/created'), sourceEvent('sources/created'), flowEvent('flows/deleted')];
    await writeEvents(executor, written[0]!);
    await writeEvents(executor, written[1]!, written[2]!);
    f.wake();
    const expected = await outboxAfter(executor, head);
    await eventually(async () => (await cursorOf(consumer)) === expected.at(-1)!.position, 'the cursor');
    expect(keysOf(expected)).toEqual(written);
    await expectStreamIs(prefix, expected, head);
    const entries = await streamEntries(redis, prefix);
    expect(entries.map((e) => e.event)).toEqual(expected);
    for (const entry of entries) expect(entry.writtenAt).toBeInstanceOf(Date);
    // The heartbeat names the position published up to.
    expect(await redis.get(busKeys(prefix).heartbeat)).toBe(String(expected.at(-1)!.position));
    expect(await redis.pttl(busKeys(prefix).heartbeat)).toBeGreaterThan(0);
  });

  it('awaits beforePublish with each batch before adding it to the stream', async () => {
    const { prefix, consumer } = isolation();
    const seen: { positions: bigint[]; inStream: number }[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const f = follower({
      prefix,
      consumer,
      batchSize: 2,

      beforePublish: async (events: readonly OutboxEvent[]) => {
        seen.push({
          positions: events.map((e) => e.position),
          inStream: (await streamEntries(redis, prefix)).length,
        });
        await gate;
      },
    });
    await eventually(async () => (await cursorOf(consumer)) !== undefined && f.isHolder, 'the lease');
    const head = await executor.outboxHead();
    await eventually(async () => (await cursorOf(consumer)) === head, 'the first cursor');
    await writeEvents(executor, flowEvent(), flowEvent(), flowEvent());
    f.wake();
    await eventually(() => seen.length === 1, 'the first batch at the hook');
    // Held in the hook: nothing published yet.
    expect(await streamEntries(redis, prefix)).toEqual([]);
    release();
    const expected = await outboxAfter(executor, head);
    await eventually(async () => (await cursorOf(consumer)) === expected.at(-1)!.position, 'the cursor');
    expect(seen.map((s) => s.positions)).toEqual([
      [expected[0]!.position, expected[1]!.position],
      [expected[2]!.position],
    ]);
    expect(seen.map((s) => s.inStream)).toEqual([0, 2]);
    await expectStreamIs(prefix, expected, head);
  });

  it('resumes from its stored cursor after a restart: nothing skipped, nothing added twice', async () => {
    const { prefix, consumer } = isolation();
    const first = follower({ prefix, consumer });
    await eventually(() => first.isHolder, 'the lease');
    const head = await executor.outboxHead();
    await eventually(async () => (await cursorOf(consumer)) === head, 'the first cursor');
    await writeEvents(executor, flowEvent());
    first.wake();
    const one = await outboxAfter(executor, head);
    await eventually(async () => (await cursorOf(consumer)) === one.at(-1)!.position, 'the cursor');
    await first.stop();

    // Written while no follower runs, then picked up by the next one.
    await writeEvents(executor, flowEvent(), sourceEvent());
    // The last holder died between publishing and storing: its cursor is behind the stream.
    await executor.update('outbox_cursors', eq('consumer', consumer), { last_seq: head });
    const second = follower({ prefix, consumer });
    const all = await outboxAfter(executor, head);
    await eventually(async () => (await cursorOf(consumer)) === all.at(-1)!.position, 'the cursor');
    await expectStreamIs(prefix, all, head);
    expect(second.isHolder).toBe(true);
  });

  it('keeps retrying while Redis refuses, and publishes once it accepts', async () => {
    const { prefix, consumer } = isolation();
    const log = { warn: vi.fn(), error: vi.fn() };
    const f = follower({ prefix, consumer, log });
    await eventually(() => f.isHolder, 'the lease');
    const head = await executor.outboxHead();
    await eventually(async () => (await cursorOf(consumer)) === head, 'the first cursor');
    // The stream key holds something else: every XADD fails (as a full or broken Redis would).
    await redis.set(busKeys(prefix).stream, 'not a stream');
    await writeEvents(executor, flowEvent());
    f.wake();
    await eventually(() => log.error.mock.calls.length > 0, 'the logged failure');
    expect(await cursorOf(consumer)).toBe(head);
    await redis.del(busKeys(prefix).stream);
    await writeEvents(executor, flowEvent());
    f.wake();
    const all = await outboxAfter(executor, head);
    await eventually(async () => (await cursorOf(consumer)) === all.at(-1)!.position, 'the cursor');
    await expectStreamIs(prefix, all, head);
    expect(log.error).toHaveBeenCalledTimes(1); // logged when it began, not on every retry
  });

  it('caps the stream near maxLen', async () => {
    const { prefix, consumer } = isolation();
    const f = follower({ prefix, consumer, maxLen: 10, batchSize: 50 });
    await eventually(() => f.isHolder, 'the lease');
    const head = await executor.outboxHead();
    await eventually(async () => (await cursorOf(consumer)) === head, 'the first cursor');
    for (let i = 0; i < 4; i++)
      await writeEvents(executor, ...Array.from({ length: 100 }, () => flowEvent()));
    f.wake();
    const all = await outboxAfter(executor, head);
    await eventually(async () => (await cursorOf(consumer)) === all.at(-1)!.position, 'the cursor');
    // `~` trims whole radix-tree nodes (100 entries by default): far below 400, the newest kept.
    const entries = await streamEntries(redis, prefix);
    expect(entries.length).toBeLessThan(all.length);
    expect(entries.at(-1)!.event.position).toBe(all.at(-1)!.position);
  });
});

describe('two StreamFollowers racing [postgres]', () => {
  let db: BusDatabase;
  const followers: StreamFollower[] = [];
  beforeAll(async () => {
    db = await openBusDatabase('postgres');
  });
  afterEach(async () => {
    await Promise.all(followers.splice(0).map((f) => f.stop()));
  });
  afterAll(async () => {
    await db?.close();
  });

  it('lets one publish; a holder that lost its lease unawares adds nothing twice', async () => {
    const { prefix, consumer } = isolation();
    const executorA = db.executor;
    const executorB = await db.openAnother();
    let blockA: Promise<void> | null = null;
    let enteredA = false;
    const published = { a: 0, b: 0 };
    const logA = { warn: vi.fn(), error: vi.fn() };
    // Long leases: neither lapses by itself during the test; the takeover below is forced.
    const a = new StreamFollower(executorA, {
      redisUrl: redisServer.url,
      prefix,
      consumer,
      owner: 'process-a',
      pollMs: 20,
      standbyMs: 20,
      cursorStoreMs: 0,
      leaseMs: 60_000,
      log: logA,
      beforePublish: async () => {
        enteredA = true;
        await blockA;
      },
      onPublished: (n) => (published.a += n),
    });
    followers.push(a);
    a.start();
    await eventually(() => a.isHolder, 'A holds the lease');
    const b = new StreamFollower(executorB, {
      redisUrl: redisServer.url,
      prefix,
      consumer,
      owner: 'process-b',
      pollMs: 20,
      standbyMs: 20,
      cursorStoreMs: 0,

      leaseMs: 60_000,
      onPublished: (n) => (published.b += n),
    });
    followers.push(b);
    b.start();
    const head = await executorA.outboxHead();
    const cursor = async () =>
      (await executorA.lookup('outbox_cursors', 'consumer', [consumer]))[0]?.last_seq;
    await eventually(async () => (await cursor()) === head, 'the first cursor');

    // A reads a batch and is held (a GC pause) before publishing it.
    let release!: () => void;
    blockA = new Promise((resolve) => (release = resolve));
    await writeEvents(executorA, flowEvent(), flowEvent(), sourceEvent());
    a.wake();
    await eventually(() => enteredA, 'A paused with its batch');
    // Meanwhile its lease lapses (A's own clock does not know yet) and B takes over and publishes.
    await executorA.update('outbox_cursors', eq('consumer', consumer), { lease_expires: new Date(0) });
    const batch = await outboxAfter(executorA, head);
    await eventually(() => b.isHolder && published.b === batch.length, 'B publishing the batch');
    expect(a.isHolder).toBe(true); // A still believes it holds the lease

    // A wakes up and publishes the same batch: Redis refuses every entry, and A learns it lost the lease.
    release();
    await eventually(() => !a.isHolder, 'A giving up');
    expect(published.a).toBe(0);
    expect(logA.error).not.toHaveBeenCalled();

    await writeEvents(executorB, flowEvent());
    a.wake();
    b.wake();
    const all = await outboxAfter(executorA, head);
    await eventually(async () => (await cursor()) === all.at(-1)!.position, 'the cursor');
    await expectStreamIs(prefix, all, head);
    expect(b.isHolder).toBe(true);
    expect((await executorA.lookup('outbox_cursors', 'consumer', [consumer]))[0]!.owner).toBe('process-b');
  });

  it('passes the lease on when the holder stops', async () => {
    const { prefix, consumer } = isolation();
    const a = new StreamFollower(db.executor, {
      redisUrl: redisServer.url,
      prefix,
      consumer,
      pollMs: 20,
      standbyMs: 20,
      cursorStoreMs: 0,
    });
    const b = new StreamFollower(await db.openAnother(), {
      redisUrl: redisServer.url,
      prefix,
      consumer,
      pollMs: 20,
      standbyMs: 20,
      cursorStoreMs: 0,
    });
    followers.push(a, b);
    a.start();
    await eventually(() => a.isHolder, 'A holds the lease');
    b.start();
    const head = await db.executor.outboxHead();
    // A new holder starts at the outbox head it reads after taking the lease (no history): an event
    // written before it has read it would never be published. (CI once wrote in between and waited.)
    await eventually(
      async () => (await db.executor.lookup('outbox_cursors', 'consumer', [consumer]))[0]?.last_seq === head,
      'the first cursor',
    );
    await writeEvents(db.executor, flowEvent());
    a.wake();
    await eventually(async () => (await streamEntries(redis, prefix)).length === 1, 'the first event');
    await a.stop();
    await writeEvents(db.executor, flowEvent());
    b.wake();
    await eventually(() => b.isHolder, 'B taking over');
    const all = await outboxAfter(db.executor, head);
    await eventually(async () => (await streamEntries(redis, prefix)).length === 2, 'the second event');
    await expectStreamIs(prefix, all, head);
  });
});

describe('a standby StreamFollower woken by a commit', () => {
  let db: BusDatabase;
  const followers: StreamFollower[] = [];
  beforeAll(async () => {
    db = await openBusDatabase('sqlite');
  });
  afterAll(async () => {
    await Promise.all(followers.map((f) => f.stop()));
    await db?.close();
  });

  it('wakes the holder in another process through Redis: published without waiting for its poll', async () => {
    const { prefix, consumer } = isolation();
    // Polls a minute apart: only a wake can make the holder publish within the test.
    const options = { redisUrl: redisServer.url, prefix, consumer, pollMs: 60_000, standbyMs: 60_000 };
    const holder = new StreamFollower(db.executor, { ...options, owner: 'holder' });
    followers.push(holder);
    holder.start();
    await eventually(() => holder.isHolder, 'the holder');
    const standby = new StreamFollower(await db.openAnother(), { ...options, owner: 'standby' });
    followers.push(standby);
    standby.start();
    // Both connected, and the holder subscribed to the wake channel.
    await eventually(
      async () => ((await redis.pubsub('NUMSUB', busKeys(prefix).wake)) as [string, number])[1] >= 1,
      'the holder listening for wakes',
    );
    const head = await db.executor.outboxHead();
    await eventually(
      async () => (await db.executor.lookup('outbox_cursors', 'consumer', [consumer]))[0]?.last_seq === head,
      'the first cursor',
    );
    await writeEvents(db.executor, flowEvent());
    await eventually(() => (standby as unknown as { redis: Redis }).redis.status === 'ready', 'standby up');
    standby.wake(); // as the standby's process does after its commit
    await eventually(async () => (await streamEntries(redis, prefix)).length === 1, 'the event published');
    expect(standby.isHolder).toBe(false);
  });
});
