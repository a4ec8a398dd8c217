import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TestRedisServer } from '../cache/test-support/redis-server.js';
import { startRedisServer } from '../cache/test-support/redis-server.js';
import type { Executor } from '../executor/index.js';
import { eventually } from '../test-support/eventually.js';
import { busKeys, entryFields, entryId } from './bus-stream.js';
import type { FeedEvent, FeedSource } from './event-feed.js';
import type { StreamFeedOptions } from './stream-feed.js';
import { StreamFeed } from './stream-feed.js';
import type { StreamFollowerOptions } from './stream-follower.js';
import { StreamFollower } from './stream-follower.js';
import type { BusDatabase, Written } from './test-support/bus-harness.js';
import {
  flowEvent,
  inspector,
  isolation,
  keysOf,
  openBusDatabase,
  outboxAfter,
  recorder,
  sourceEvent,
  writeEvents,
} from './test-support/bus-harness.js';

/** Positions strictly increasing: nothing twice, nothing out of order. */
function expectIncreasing(events: readonly FeedEvent[]) {
  for (let i = 1; i < events.length; i++) expect(events[i]!.position > events[i - 1]!.position).toBe(true);
}

describe.each(['sqlite', 'postgres'] as const)('StreamFeed on %s', (backend) => {
  let redisServer: TestRedisServer;
  let redis: Redis;
  let db: BusDatabase;
  let executor: Executor;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    redisServer = await startRedisServer();
    redis = inspector(redisServer.url);
    db = await openBusDatabase(backend);
    executor = db.executor;
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    for (const close of closers.splice(0).reverse()) await close();
  });
  afterAll(async () => {
    redis?.disconnect();
    await redisServer?.stop();
    await db?.close();
  });

  /** A deployment's bus on this test's own keys: a follower (optional) and feeds. */
  function bus(followerOptions: Partial<StreamFollowerOptions> | null = {}) {
    const { prefix, consumer } = isolation();
    const sources: FeedSource[] = [];
    const delivered: { source: FeedSource; position: bigint }[] = [];
    const startFollower = (options: Partial<StreamFollowerOptions> = {}) => {
      const f = new StreamFollower(executor, {
        redisUrl: redisServer.url,
        prefix,
        consumer,
        pollMs: 20,
        standbyMs: 20,
        cursorStoreMs: 0,
        ...followerOptions,
        ...options,
      });
      f.start();
      closers.push(() => f.stop());
      return f;
    };
    const follower = followerOptions ? startFollower() : null;
    const feed = (options: Partial<StreamFeedOptions> = {}) => {
      const f = new StreamFeed(executor, {
        redisUrl: redisServer.url,
        prefix,
        pollMs: 20,
        blockMs: 200,
        heartbeatCheckMs: 50,
        onSource: (source) => sources.push(source),
        onDelivered: (source, event) => delivered.push({ source, position: event.position }),
        ...options,
      });
      closers.push(() => f.close());
      return f;
    };
    /** The follower holds the lease and has written its heartbeat: feeds trust the stream. */
    const ready = () =>
      eventually(
        async () => !!follower?.isHolder && (await redis.exists(busKeys(prefix).heartbeat)) === 1,
        'the follower publishing',
      );
    return { prefix, consumer, follower, startFollower, feed, sources, delivered, ready };
  }

  /** Writes a last event and waits until the recorder has it (the follower is woken, as a commit would). */
  async function settle(r: ReturnType<typeof recorder>, wake: () => void): Promise<Written> {
    const sentinel = sourceEvent('sources/created');
    await writeEvents(executor, sentinel);
    wake();
    await eventually(() => r.has(sentinel), 'the sentinel event');
    return sentinel;
  }

  it('delivers events committed after listen() from the stream, once each, in order, to every listener', async () => {
    const b = bus();
    await b.ready();
    await writeEvents(executor, flowEvent()); // before anyone listens: not delivered
    const feed = b.feed();
    const x = recorder();
    const y = recorder();
    const head = vi.spyOn(executor, 'outboxHead');
    await Promise.all([feed.listen(x.listener), feed.listen(y.listener)]);
    expect(head).toHaveBeenCalledTimes(1);
    expect(feed.listenerCount).toBe(2);
    const start = feed.currentPosition!;

    const written = [flowEvent('flows/created'), sourceEvent('sources/created'), flowEvent('flows/deleted')];
    await writeEvents(executor, written[0]!);
    await writeEvents(executor, written[1]!, written[2]!);
    const sentinel = await settle(x, () => b.follower!.wake());
    await eventually(() => y.has(sentinel), 'the sentinel at the second listener');
    expect(keysOf(x.events)).toEqual([...written, sentinel]);
    expect(y.events).toEqual(x.events);
    expect(x.events).toEqual(await outboxAfter(executor, start));
    expect(feed.currentPosition).toBe(x.events.at(-1)!.position);
    // Every event came from Redis: the feed never queried the outbox.
    expect(b.delivered.map((d) => d.source)).toEqual(x.events.map(() => 'redis'));
    expect(b.sources).toEqual([]);
    expect(feed.source).toBe('redis');
  });

  it('reads the outbox itself while no follower publishes, and the stream once one does', async () => {
    const b = bus(null);
    const feed = b.feed();
    const r = recorder();
    await feed.listen(r.listener);
    const start = feed.currentPosition!;
    const early = [flowEvent(), flowEvent()];
    await writeEvents(executor, ...early);
    feed.wake();
    await eventually(() => r.events.length === 2, 'the events from the outbox');
    expect(b.sources).toEqual(['database']);

    const follower = b.startFollower();
    await eventually(() => feed.source === 'redis', 'the feed back on the stream');
    const late = [flowEvent(), sourceEvent()];
    await writeEvents(executor, ...late);
    const sentinel = await settle(r, () => follower.wake());
    expect(keysOf(r.events)).toEqual([...early, ...late, sentinel]);
    expect(r.events).toEqual(await outboxAfter(executor, start));
    expect(b.delivered.at(-1)!.source).toBe('redis');
    expect(b.delivered.slice(0, 2).map((d) => d.source)).toEqual(['database', 'database']);
  });

  it('neither skips nor repeats an event when redis-server is killed and restarted empty', async () => {
    const b = bus();
    await b.ready();
    const feed = b.feed();
    const r = recorder();
    await feed.listen(r.listener);
    const start = feed.currentPosition!;
    const wake = () => {
      b.follower!.wake();
      feed.wake();
    };
    const written: Written[] = [];
    const write = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const e = i % 3 ? flowEvent() : sourceEvent();
        written.push(e);
        await writeEvents(executor, e);
        wake();
      }
    };
    await write(5);
    await eventually(() => r.events.length === 5, 'five events over the bus');

    await redisServer.kill();
    await write(5); // while Redis is down: from the outbox
    await eventually(() => r.events.length === 10, 'five events from the outbox');
    expect(feed.source).toBe('database');

    await redisServer.restart(); // an empty stream, no heartbeat
    await write(5);
    await eventually(() => feed.source === 'redis', 'the feed back on the stream');
    await write(5);
    await settle(r, wake);
    expect(keysOf(r.events).slice(0, 20)).toEqual(written);
    expect(r.events).toEqual(await outboxAfter(executor, start));
    expectIncreasing(r.events);
    expect(b.delivered.map((d) => d.position)).toEqual(r.events.map((e) => e.position));
    expect(new Set(b.delivered.map((d) => d.source))).toEqual(new Set(['redis', 'database']));
    expect(b.sources[0]).toBe('database');
    expect(b.sources.at(-1)).toBe('redis');
  });

  it('falls back to the outbox when redis-server hangs (SIGSTOP), within its command timeout', async () => {
    const b = bus();
    await b.ready();
    const feed = b.feed({ blockMs: 100 });
    const r = recorder();
    await feed.listen(r.listener);
    const start = feed.currentPosition!;
    redisServer.pause();
    try {
      const e = flowEvent();
      await writeEvents(executor, e);
      // The blocked XREAD times out (blockMs + 1 s): the feed then reads the outbox.
      await eventually(() => r.has(e), 'the event from the outbox');
      expect(b.delivered.map((d) => d.source)).toEqual(['database']);
    } finally {
      redisServer.resume();
    }
    await eventually(() => feed.source === 'redis', 'the feed back on the stream');
    await settle(r, () => b.follower!.wake());
    expect(r.events).toEqual(await outboxAfter(executor, start));
  });

  it('falls back to the outbox when the stream lacks the events after its position (trimmed), without a gap', async () => {
    // The test is the follower here: it writes the stream itself, with the first events trimmed away.
    const b = bus(null);
    const keys = busKeys(b.prefix);
    await redis.set(keys.heartbeat, '0', 'PX', 60_000);
    const feed = b.feed({ pollMs: 50 });
    const r = recorder();
    await feed.listen(r.listener);
    const start = feed.currentPosition!;
    expect(feed.source).toBe('redis');
    const written = [flowEvent(), flowEvent(), sourceEvent(), flowEvent(), flowEvent()];
    await writeEvents(executor, ...written);
    const rows = await executor.readOutbox(start, 100);
    const publish = async (from: number, to: number) => {
      const pipeline = redis.pipeline();
      for (let i = from; i < to; i++)
        pipeline.xadd(
          keys.stream,
          entryId(rows[i]!.position),
          ...entryFields(rows[i]!, rows[i - 1]?.position ?? start),
        );
      await pipeline.exec();
    };
    await publish(3, 5); // the first three were trimmed
    await eventually(() => r.events.length === 5, 'all five events');
    expect(keysOf(r.events)).toEqual(written);
    expect(b.delivered.map((d) => d.source)).toEqual(Array(5).fill('database'));
    // The heartbeat is there: the feed returns to the stream after its outbox read.
    await eventually(() => feed.source === 'redis', 'the feed back on the stream');
    const later = flowEvent();
    await writeEvents(executor, later);
    const all = await executor.readOutbox(start, 100);
    const pipeline = redis.pipeline();
    pipeline.xadd(keys.stream, entryId(all[5]!.position), ...entryFields(all[5]!, all[4]!.position));
    await pipeline.exec();
    await eventually(() => r.events.length === 6, 'the sixth event');
    expect(keysOf(r.events)).toEqual([...written, later]);
    expect(b.delivered.at(-1)!.source).toBe('redis');
    expect(b.sources).toEqual(['database', 'redis']);
  });

  it('falls back when the follower stops publishing (its heartbeat lapses), and returns when one is back', async () => {
    const b = bus({ heartbeatTtlMs: 200 });
    await b.ready();
    const feed = b.feed();
    const r = recorder();
    await feed.listen(r.listener);
    const start = feed.currentPosition!;
    await writeEvents(executor, flowEvent());
    b.follower!.wake();
    await eventually(() => r.events.length === 1, 'the first event');
    await b.follower!.stop();
    await eventually(() => feed.source === 'database', 'the feed on the outbox');
    await writeEvents(executor, flowEvent());
    feed.wake();
    await eventually(() => r.events.length === 2, 'the second event');
    const next = b.startFollower({ heartbeatTtlMs: 5000 });
    await eventually(() => feed.source === 'redis', 'the feed back on the stream');
    await settle(r, () => next.wake());
    expect(r.events).toEqual(await outboxAfter(executor, start));
    // The first may have come either way (a loaded machine can let a 200 ms heartbeat lapse); the
    // second could only come from the outbox, the last from the stream again.
    expect(b.delivered.slice(1).map((d) => d.source)).toEqual(['database', 'redis']);
  });

  it('stops reading when the last listener leaves; a later first listener starts at the then head', async () => {
    const b = bus();
    await b.ready();
    const feed = b.feed();
    const x = recorder();
    const remove = await feed.listen(x.listener);
    await settle(x, () => b.follower!.wake());
    remove();
    expect(feed.listenerCount).toBe(0);
    expect(feed.currentPosition).toBeNull();
    const missed = flowEvent();
    await writeEvents(executor, missed);
    b.follower!.wake();
    const y = recorder();
    await feed.listen(y.listener);
    const later = flowEvent();
    await writeEvents(executor, later);
    const sentinel = await settle(y, () => b.follower!.wake());
    expect(keysOf(y.events)).toEqual([later, sentinel]);
    expect(x.has(missed)).toBe(false);
  });

  it('keeps delivering when a listener throws; close() ends a blocked read and refuses new listeners', async () => {
    const b = bus();
    await b.ready();
    const log = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const feed = b.feed({ blockMs: 60_000, log });
    await feed.listen(() => {
      throw new Error('listener bug');
    });
    const r = recorder();
    await feed.listen(r.listener);
    await settle(r, () => b.follower!.wake());
    expect(log.error).toHaveBeenCalledWith(
      expect.objectContaining({ err: expect.any(Error) as unknown }),
      'a subscription listener failed on an event',
    );
    await feed.close(); // would hang for a minute if the blocking XREAD were not ended
    expect(feed.listenerCount).toBe(0);
    await expect(feed.listen(r.listener)).rejects.toThrow('the event feed is closed');
  });
});
