import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestRedisServer } from '../../lib/cache/test-support/redis-server.js';
import { startRedisServer } from '../../lib/cache/test-support/redis-server.js';
import { busKeys } from '../../lib/events/bus-stream.js';
import { OutboxFeed } from '../../lib/events/outbox-feed.js';
import { StreamFeed } from '../../lib/events/stream-feed.js';
import type { BusDatabase } from '../../lib/events/test-support/bus-harness.js';
import {
  flowEvent,
  inspector,
  keysOf,
  openBusDatabase,
  recorder,
  writeEvents,
} from '../../lib/events/test-support/bus-harness.js';
import type { OutboxEvent } from '../../lib/executor/index.js';
import { eventually } from '../../lib/test-support/eventually.js';
import { createLogger } from '../logger.js';
import { Metrics } from '../metrics.js';
import type { Events } from './events.js';
import { startEvents } from './events.js';

/** What the events part starts per role, with and without TAMS_REDIS_URL, and the bus metrics. */
describe('the events part', () => {
  let redisServer: TestRedisServer;
  let db: BusDatabase;
  const started: Events[] = [];
  const log = createLogger('silent');

  beforeAll(async () => {
    redisServer = await startRedisServer();
    db = await openBusDatabase('sqlite');
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((e) => e.stop()));
  });
  afterAll(async () => {
    await db?.close();
    await redisServer?.stop();
  });

  const start = (...args: Parameters<typeof startEvents>) => {
    const events = startEvents(...args);
    started.push(events);
    return events;
  };

  it('without Redis: an outbox feed on gateway roles, no follower anywhere', () => {
    expect(start(db.executor, 'embedded', log).feed).toBeInstanceOf(OutboxFeed);
    expect(start(db.executor, 'gateway', log).feed).toBeInstanceOf(OutboxFeed);
    const media = start(db.executor, 'media', log);
    expect(media.feed).toBeUndefined();
    expect(media.follower).toBeUndefined();
    expect(start(undefined, 'gateway', log).feed).toBeUndefined();
  });

  it('with Redis: a stream feed on gateway roles, a follower where the media subgraph runs', () => {
    const redisUrl = redisServer.url;
    const gateway = start(db.executor, 'gateway', log, { redisUrl });
    expect(gateway.feed).toBeInstanceOf(StreamFeed);
    expect(gateway.follower).toBeUndefined();
    const media = start(db.executor, 'media', log, { redisUrl });
    expect(media.feed).toBeUndefined();
    expect(media.follower).toBeDefined();
    expect(start(db.executor, 'analytics', log, { redisUrl }).follower).toBeUndefined();
  });

  it('embedded with Redis: a write reaches a listener over the bus, through beforePublish, counted', async () => {
    const metrics = new Metrics('embedded');
    const published: OutboxEvent[] = [];
    const events = start(db.executor, 'embedded', log, {
      redisUrl: redisServer.url,
      metrics,
      beforePublish: (batch) => {
        published.push(...batch);
        return Promise.resolve();
      },
    });
    await eventually(() => events.follower!.isHolder, 'the follower holding the lease');
    const value = async (name: string, labels: Record<string, string> = {}) =>
      (await metrics.registry.getSingleMetric(name)!.get()).values.find((v) =>
        Object.entries(labels).every(([k, l]) => v.labels[k] === l),
      )?.value;
    expect(await value('tams_bus_follower')).toBe(1);
    // Its first heartbeat: the feed trusts the stream from the start.
    const inspect = inspector(redisServer.url);
    await eventually(
      async () => (await inspect.exists(busKeys().heartbeat)) === 1,
      'the follower publishing',
    );
    inspect.disconnect();
    const r = recorder();
    await events.feed!.listen(r.listener);
    const e = flowEvent('flows/created');
    await writeEvents(db.executor, e);
    events.wake();
    await eventually(() => r.events.length === 1, 'the event');
    expect(keysOf(r.events)).toEqual([e]);
    expect(published.map((p) => p.position)).toContain(r.events[0]!.position);
    expect(await value('tams_bus_events_total', { source: 'redis' })).toBe(1);
    expect(await value('tams_bus_events_total', { source: 'database' })).toBeUndefined();
    expect(await value('tams_bus_lag_seconds', { stage: 'deliver' })).toBeGreaterThanOrEqual(0);
    expect(await value('tams_bus_lag_seconds', { stage: 'publish' })).toBeGreaterThanOrEqual(0);
  });
});
