import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Executor, InsertRow } from '../../executor/index.js';
import { PostgresExecutor, SqliteExecutor } from '../../executor/index.js';
import { createTestDatabase } from '../../executor/test-support/postgres-test-database.js';
import type { BusEntry } from '../bus-stream.js';
import { busKeys, parseEntry } from '../bus-stream.js';
import type { FeedEvent } from '../event-feed.js';

/** An event as a test writes it: type and keys. */
export interface Written {
  readonly type: string;
  readonly flowId: string | null;
  readonly sourceId: string | null;
}

export const flowEvent = (type = 'flows/updated'): Written => ({
  type,
  flowId: randomUUID(),
  sourceId: randomUUID(),
});

export const sourceEvent = (type = 'sources/updated'): Written => ({
  type,
  flowId: null,
  sourceId: randomUUID(),
});

export const keysOf = (events: readonly FeedEvent[]): Written[] =>
  events.map(({ type, flowId, sourceId }) => ({ type, flowId, sourceId }));

/** Commits the events in one transaction, as a mutation emits them. */
export async function writeEvents(executor: Executor, ...events: Written[]): Promise<void> {
  const rows: InsertRow<'event_outbox'>[] = events.map((e) => ({
    event_type: e.type,
    event_timestamp: new Date(),
    flow_id: e.flowId,
    source_id: e.sourceId,
    payload: { note: 'bus test' },
  }));
  await executor.transaction((tx) => tx.insert('event_outbox', rows));
}

/** Every outbox event after `after`, as a feed should deliver them. */
export async function outboxAfter(executor: Executor, after: bigint): Promise<FeedEvent[]> {
  // Releases every committed row first (PostgreSQL): a bare read skips releasing while another is at it.
  await executor.outboxHead();
  const rows = await executor.readOutbox(after, 100_000);
  return rows.map((r) => ({
    type: r.event_type,
    flowId: r.flow_id,
    sourceId: r.source_id,
    position: r.position,
  }));
}

/** A listener that records what it gets. */
export function recorder() {
  const events: FeedEvent[] = [];
  const listener = (event: FeedEvent) => void events.push(event);
  const has = (w: Written) =>
    events.some((e) => e.type === w.type && e.flowId === w.flowId && e.sourceId === w.sourceId);
  return { events, listener, has };
}

/** The whole stream under `prefix`, parsed. */
export async function streamEntries(redis: Redis, prefix: string): Promise<BusEntry[]> {
  const raw = await redis.xrange(busKeys(prefix).stream, '-', '+');
  return raw.map(([id, fields]) => parseEntry(id, fields));
}

/** Two executors on one database (two processes' pools), SQLite file or a fresh PostgreSQL database. */
export interface BusDatabase {
  readonly executor: Executor;
  /** A second executor on the same database, as another process has. */
  openAnother(): Promise<Executor>;
  close(): Promise<void>;
}

export async function openBusDatabase(backend: 'sqlite' | 'postgres'): Promise<BusDatabase> {
  const opened: Executor[] = [];
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tams-bus-'));
    const path = join(dir, 'db.sqlite3');
    const open = async () => {
      const e = await SqliteExecutor.open({ path });
      opened.push(e);
      return e;
    };
    return {
      executor: await open(),
      openAnother: open,
      async close() {
        await Promise.all(opened.map((e) => e.close()));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const db = await createTestDatabase('tams_bus');
  const open = async () => {
    const e = await PostgresExecutor.open({ url: db.url, poolSize: 4 });
    opened.push(e);
    return e;
  };
  return {
    executor: await open(),
    openAnother: open,
    async close() {
      await Promise.all(opened.map((e) => e.close()));
      await db.drop();
    },
  };
}

/** A plain client for a test's own inspections (quiet while a test has redis-server down). */
export function inspector(url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  return redis;
}

let counter = 0;
/** A key prefix and lease consumer of a test's own, so tests sharing a server and database do not meet. */
export const isolation = () => {
  const n = `${process.pid}-${++counter}`;
  return { prefix: `test:${n}:`, consumer: `redis-bus-test-${n}` };
};
