import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventFeed } from '../lib/events/event-feed.js';
import type { Executor } from '../lib/executor/index.js';
import { openExecutor } from '../lib/executor/index.js';
import type { TestDatabase } from '../lib/executor/test-support/postgres-test-database.js';
import { createTestDatabase } from '../lib/executor/test-support/postgres-test-database.js';
import { registerStoreState } from './store-state-metrics.js';

const dir = mkdtempSync(join(tmpdir(), 'tams-store-state-'));
const databaseFile = join(dir, 'tams.sqlite3');
const NOW = new Date('2026-01-01T12:00:00Z');
let executor: Executor;
/** The deployment-wide state on PostgreSQL too (the aggregates differ per backend). */
let postgres: { database: TestDatabase; executor: Executor };

async function seed(executor: Executor): Promise<void> {
  const event = { event_type: 'flows/updated', event_timestamp: NOW, payload: {} };
  await executor.insert(
    'event_outbox',
    Array.from({ length: 10 }, () => event),
  );
  const head = await executor.outboxHead();
  await executor.insert('outbox_cursors', [
    { consumer: 'redis-bus', last_seq: head - 4n, updated: NOW },
    // The webhooks consumer keeps its progress per registration: its last_seq is no lag.
    { consumer: 'webhooks', last_seq: -1n, updated: NOW },
  ]);
  await executor.insert('webhook_deliveries', [
    { webhook_id: randomUUID(), last_position: head, updated: NOW },
    { webhook_id: randomUUID(), last_position: head - 7n, failures: 3, last_error: 'HTTP 500', updated: NOW },
  ]);
  const request = (status: string, updated: Date) => ({
    id: randomUUID(),
    flow_id: randomUUID(),
    delete_flow: true,
    status,
    created: updated,
    updated,
  });
  await executor.insert('flow_delete_requests', [
    request('started', new Date(NOW.getTime() - 600_000)),
    request('created', new Date(NOW.getTime() - 60_000)),
    request('done', new Date(NOW.getTime() - 3_600_000)),
  ]);
}

beforeAll(async () => {
  executor = await openExecutor({ kind: 'sqlite', path: databaseFile, synchronous: 'NORMAL' });
  await seed(executor);
  const database = await createTestDatabase('tams_store_state');
  postgres = {
    database,
    executor: await openExecutor({
      kind: 'postgres',
      url: database.url,
      poolSize: 4,
      statementTimeoutMs: 30_000,
    }),
  };
  await seed(postgres.executor);
});

afterAll(async () => {
  await executor?.close();
  await postgres?.executor.close();
  await postgres?.database.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function scrape(registry: Registry): Promise<Map<string, number>> {
  const values = new Map<string, number>();
  for (const metric of await registry.getMetricsAsJSON())
    for (const v of metric.values) {
      const labels = Object.entries(v.labels)
        .map(([k, l]) => `${k}=${String(l)}`)
        .join(',');
      values.set(labels ? `${metric.name}{${labels}}` : metric.name, v.value);
    }
  return values;
}

const feedAt = (position: bigint | null) => ({ currentPosition: position }) as unknown as EventFeed;

describe('store-state gauges (read at scrape time)', () => {
  it('report the outbox, webhook, deletion and disk state of the store', async () => {
    const registry = new Registry();
    registerStoreState(registry, {
      executor,
      storeWide: true,
      disk: { dataDir: dir, databaseFile },
      now: () => NOW,
    });
    const v = await scrape(registry);
    const head = Number(await executor.outboxHead());
    expect(v.get('tams_outbox_head_position')).toBe(head);
    expect(v.get('tams_outbox_consumer_lag_events{consumer=redis-bus}')).toBe(4);
    expect(v.has('tams_outbox_consumer_lag_events{consumer=webhooks}')).toBe(false);
    expect(v.get('tams_webhooks')).toBe(2);
    expect(v.get('tams_webhook_backlog_events')).toBe(7);
    expect(v.get('tams_webhooks_failing')).toBe(1);
    expect(v.get('tams_webhook_delivery_failures')).toBe(3);
    expect(v.get('tams_deletion_requests{status=started}')).toBe(1);
    expect(v.get('tams_deletion_requests{status=created}')).toBe(1);
    expect(v.get('tams_deletion_requests{status=done}')).toBe(1);
    expect(v.get('tams_deletion_requests{status=error}')).toBe(0);
    expect(v.get('tams_deletion_oldest_pending_seconds')).toBe(600);
    expect(v.get('tams_data_dir_size_bytes')).toBeGreaterThan(0);
    expect(v.get('tams_data_dir_free_bytes')).toBeLessThanOrEqual(v.get('tams_data_dir_size_bytes')!);
    expect(v.get('tams_database_file_bytes')).toBeGreaterThan(0);
  });

  it('read the same state from PostgreSQL', async () => {
    const registry = new Registry();
    registerStoreState(registry, { executor: postgres.executor, storeWide: true, now: () => NOW });
    const v = await scrape(registry);
    expect(v.get('tams_outbox_head_position')).toBe(Number(await postgres.executor.outboxHead()));
    expect(v.get('tams_outbox_consumer_lag_events{consumer=redis-bus}')).toBe(4);
    expect(v.get('tams_webhook_backlog_events')).toBe(7);
    expect(v.get('tams_webhooks_failing')).toBe(1);
    expect(v.get('tams_webhook_delivery_failures')).toBe(3);
    expect(v.get('tams_deletion_requests{status=started}')).toBe(1);
    expect(v.get('tams_deletion_oldest_pending_seconds')).toBe(600);
    expect(v.has('tams_data_dir_free_bytes')).toBe(false);
  });

  it('give a gateway replica only the head and its feed’s lag, absent while nobody subscribes', async () => {
    const head = await executor.outboxHead();
    const listening = new Registry();
    registerStoreState(listening, { executor, feed: feedAt(head - 2n) });
    const v = await scrape(listening);
    expect(v.get('tams_subscription_feed_lag_events')).toBe(2);
    expect(v.has('tams_webhooks')).toBe(false);
    expect(v.has('tams_deletion_oldest_pending_seconds')).toBe(false);

    const idle = new Registry();
    registerStoreState(idle, { executor, feed: feedAt(null) });
    expect((await scrape(idle)).has('tams_subscription_feed_lag_events')).toBe(false);
  });

  it('leaves the gauges empty when the database cannot be read, and says why', async () => {
    const closed = await openExecutor({
      kind: 'sqlite',
      path: join(dir, 'closed.sqlite3'),
      synchronous: 'NORMAL',
    });
    await closed.close();
    const errors: unknown[] = [];
    const registry = new Registry();
    registerStoreState(registry, { executor: closed, storeWide: true, onError: (e) => errors.push(e) });
    const v = await scrape(registry);
    expect(v.has('tams_outbox_head_position')).toBe(false);
    expect(v.has('tams_webhooks')).toBe(false);
    expect(errors).toHaveLength(1);
  });
});
