import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/logger.js';
import type { RunningService } from '../../gateway/service.js';
import { startService } from '../../gateway/service.js';
import type { TestRedisServer } from '../../lib/cache/test-support/redis-server.js';
import { startRedisServer } from '../../lib/cache/test-support/redis-server.js';
import { loadConfig } from '../../lib/config/config.js';
import { busKeys } from '../../lib/events/bus-stream.js';
import { inspector } from '../../lib/events/test-support/bus-harness.js';
import type { Executor } from '../../lib/executor/index.js';
import { openExecutor } from '../../lib/executor/index.js';
import type { TestDatabase } from '../../lib/executor/test-support/postgres-test-database.js';
import { createTestDatabase } from '../../lib/executor/test-support/postgres-test-database.js';
import { eventually } from '../../lib/test-support/eventually.js';
import { bearer, createScopeTokens } from '../support/admin-token.js';
import { untilActiveSubscriptions } from '../support/metrics.js';
import { WsTestClient } from './ws-client.js';

/**
 * Two replicas (embedded role) on one PostgreSQL database and one redis-server: a subscription on B
 * receives writes made through A over the Redis bus, through the outbox while redis-server is down, and
 * over the bus again once it is back, each write exactly once and in order.
 */

let redisServer: TestRedisServer;
let db: TestDatabase;
let a: RunningService;
let b: RunningService;
let executor: Executor;
let admin: Record<string, string>;
const dir = mkdtempSync(join(tmpdir(), 'tams-bus-replicas-'));

beforeAll(async () => {
  redisServer = await startRedisServer();
  db = await createTestDatabase('tams_bus_replicas');
  const config = loadConfig({
    TAMS_DATA_DIR: dir,
    TAMS_PORT: '0',
    TAMS_DATABASE_URL: db.url,
    TAMS_REDIS_URL: redisServer.url,
  });
  const log = createLogger('silent');
  a = await startService(config, 'embedded', { log, version: 'test' });
  b = await startService(config, 'embedded', { log, version: 'test' });
  executor = await openExecutor(config.database);
  admin = bearer((await createScopeTokens(executor)).admin);
});
afterAll(async () => {
  await executor?.close();
  await a?.close();
  await b?.close();
  await redisServer?.stop();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function metric(service: RunningService, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  return [...text.matchAll(pattern)].map((m) => Number(m[1])).reduce((x, y) => x + y, 0);
}
const busEvents = (service: RunningService, source: string) =>
  metric(service, new RegExp(`^tams_bus_events_total\\{[^}]*source="${source}"[^}]*\\} (\\d+)`, 'gm'));

async function setLabel(service: RunningService, flow: string, label: string) {
  const response = await fetch(service.graphqlUrl, {
    method: 'POST',
    headers: { ...admin, 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation($id: ID!, $label: String!) { setFlowLabel(id: $id, label: $label) { id } }',
      variables: { id: flow, label },
    }),
  });
  const body = (await response.json()) as { errors?: unknown };
  expect(body.errors).toBeUndefined();
}

describe('subscriptions across two replicas over the Redis bus', () => {
  it('delivers writes made through A to a subscriber on B, also while redis-server is down', async () => {
    const flow = randomUUID();
    const put = await fetch(`${a.url}/flows/${flow}`, {
      method: 'PUT',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({
        id: flow,
        source_id: randomUUID(),
        format: 'urn:x-nmos:format:video',
        codec: 'video/h264',
        container: 'video/mp2t',
        label: 'start',
        essence_parameters: { frame_width: 1920, frame_height: 1080 },
      }),
    });
    expect(put.status).toBeLessThan(300);
    // One of the two publishes (the lease).
    await eventually(
      async () =>
        (await metric(a, /^tams_bus_follower\{[^}]*\} (\d+)/gm)) +
          (await metric(b, /^tams_bus_follower\{[^}]*\} (\d+)/gm)) ===
        1,
      'one follower holding the lease',
    );

    // …and has published its heartbeat, so B's feed starts on the stream.
    const inspect = inspector(redisServer.url);
    await eventually(
      async () => (await inspect.exists(busKeys().heartbeat)) === 1,
      'the follower publishing',
    );
    inspect.disconnect();

    const client = await WsTestClient.connect(b.graphqlUrl.replace(/^http/, 'ws'), admin);
    try {
      expect(await client.initResult()).toBe('ack');
      client.subscribe('1', 'subscription($id: ID!) { flowUpdated(id: $id) { id label } }', { id: flow });
      await untilActiveSubscriptions(b.url, 1);
      const labels = () =>
        client
          .of('1')
          .filter((m) => m.type === 'next')
          .map((m) => (m.payload as { data: { flowUpdated: { label: string } } }).data.flowUpdated.label);

      await setLabel(a, flow, 'bus 1');
      await client.until(() => labels().includes('bus 1'));
      expect(await busEvents(b, 'redis')).toBeGreaterThanOrEqual(1);

      await redisServer.kill();
      // Each write awaited at B before the next: a subscription resolves the state when its event
      // arrives, so one write per event makes the labels a record of the events.
      await setLabel(a, flow, 'outage 1');
      await client.until(() => labels().includes('outage 1'));
      await setLabel(a, flow, 'outage 2');
      await client.until(() => labels().includes('outage 2'));
      expect(await busEvents(b, 'database')).toBeGreaterThanOrEqual(2);

      await redisServer.restart();
      const fromRedis = await busEvents(b, 'redis');
      // Writes until B reads the bus again (it returns once a follower publishes there).
      const written = ['bus 1', 'outage 1', 'outage 2'];
      for (let i = 2; (await busEvents(b, 'redis')) === fromRedis; i++) {
        const label = `bus ${i}`;
        written.push(label);
        await setLabel(a, flow, label);
        await client.until(() => labels().includes(label));
      }
      // Each write once, in order: nothing skipped or repeated across both switches.
      expect(labels()).toEqual(written);
    } finally {
      client.close();
    }
  });
});
