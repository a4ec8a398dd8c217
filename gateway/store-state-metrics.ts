import { stat, statfs } from 'node:fs/promises';
import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { EventFeed } from '../lib/events/event-feed.js';
import type { Executor } from '../lib/executor/index.js';
import { isIn, range } from '../lib/executor/index.js';

/** What the store-state gauges read at scrape time; every part is optional (roles differ). */
export interface StoreStateSources {
  /** The database (roles that own data: embedded, media); outbox, webhooks and deletion state. */
  readonly executor?: Executor | undefined;
  /**
   * Export the deployment-wide gauges (outbox consumers, webhooks, deletion): the roles that own the
   * media subgraph do; gateway replicas read only the outbox head, for their feed's lag.
   */
  readonly storeWide?: boolean;
  /** This process's subscription feed (gateway roles): how far behind the outbox head it is. */
  readonly feed?: EventFeed | undefined;
  /** The embedded store's data directory and SQLite file: free disk and file size. */
  readonly disk?: { readonly dataDir: string; readonly databaseFile?: string } | undefined;
  readonly now?: () => Date;
  /** Told when reading the state failed (the gauges then keep no value for this scrape). */
  readonly onError?: (error: unknown) => void;
}

/** Requests the deletion worker has not finished (7.0 statuses). */
const PENDING_DELETION = ['created', 'started'];

/**
 * Gauges of the store's durable state, read when Prometheus scrapes (not on the request path): the
 * outbox head and each outbox consumer's cursor, webhook delivery backlog and failures, delete
 * requests waiting and how long the oldest has made no progress, the subscription feed's position, and
 * the embedded store's disk. One read of the database per scrape, shared by all the gauges; a failed
 * read leaves them empty for that scrape (absent series alert through `absent()`/`up`, never as 0).
 */
export function registerStoreState(registry: Registry, sources: StoreStateSources): void {
  const now = sources.now ?? (() => new Date());
  let pending: Promise<Snapshot | null> | null = null;
  // All gauges of one scrape share one read (prom-client collects them concurrently).
  const snapshot = () => {
    pending ??= read(sources, now()).then(
      (s) => {
        setTimeout(() => (pending = null), 500).unref();
        return s;
      },
      (error: unknown) => {
        pending = null;
        sources.onError?.(error);
        return null;
      },
    );
    return pending;
  };
  /**
   * A gauge filled from the snapshot at each scrape. `fill` returns false when it knows no value; the
   * gauge then exports no sample at all (prom-client would report an unlabelled gauge as 0, which reads
   * as "no backlog" or "disk full" instead of "unknown").
   */
  const gauge = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    fill: (g: Gauge<L>, s: Snapshot) => boolean | void,
  ) => {
    let known = false;
    const g = new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        const s = await snapshot();
        known = s !== null && fill(this, s) !== false;
      },
    });
    const get = g.get.bind(g);
    g.get = async () => {
      const metric = await get();
      return known ? metric : { ...metric, values: [] };
    };
  };

  if (sources.executor)
    gauge('tams_outbox_head_position', 'Position of the newest committed event in the outbox', [], (g, s) =>
      g.set(s.head),
    );
  if (sources.executor && sources.storeWide) {
    gauge(
      'tams_outbox_consumer_lag_events',
      'Outbox events committed after the position an outbox consumer stored (redis-bus: the bus follower)',
      ['consumer'],
      (g, s) => {
        for (const [consumer, lag] of s.consumers) g.set({ consumer }, lag);
      },
    );
    gauge('tams_webhooks', 'Webhook registrations', [], (g, s) => g.set(s.webhooks.count));
    gauge(
      'tams_webhook_backlog_events',
      'Outbox events the furthest-behind webhook registration has not been delivered (or filtered out) yet',
      [],
      (g, s) => g.set(s.webhooks.backlog),
    );
    gauge(
      'tams_webhooks_failing',
      'Webhook registrations whose next delivery has failed at least once since their last success',
      [],
      (g, s) => g.set(s.webhooks.failing),
    );
    gauge(
      'tams_webhook_delivery_failures',
      'Failed attempts since the last success, summed over webhook registrations (drives the backoff)',
      [],
      (g, s) => g.set(s.webhooks.failures),
    );
    gauge('tams_deletion_requests', 'Flow delete requests by status', ['status'], (g, s) => {
      for (const [status, n] of s.deletion.byStatus) g.set({ status }, n);
    });
    gauge(
      'tams_deletion_oldest_pending_seconds',
      'Seconds since the least recently updated unfinished delete request last progressed (0 when none)',
      [],
      (g, s) => g.set(s.deletion.oldestPendingSeconds),
    );
  }
  if (sources.feed && sources.executor)
    gauge(
      'tams_subscription_feed_lag_events',
      'Outbox events committed after the last one this process handed to its subscriptions (absent while nobody subscribes)',
      [],
      (g, s) => {
        if (s.feedLag === null) return false;
        g.set(s.feedLag);
      },
    );
  if (sources.disk) {
    gauge(
      'tams_data_dir_free_bytes',
      'Bytes available to the store on the data directory’s filesystem',
      [],
      (g, s) => (s.disk ? g.set(s.disk.free) : false),
    );
    gauge('tams_data_dir_size_bytes', 'Size of the data directory’s filesystem in bytes', [], (g, s) =>
      s.disk ? g.set(s.disk.size) : false,
    );
    if (sources.disk.databaseFile)
      gauge(
        'tams_database_file_bytes',
        'Bytes of the embedded SQLite database (main file and WAL)',
        [],
        (g, s) => (s.disk ? g.set(s.disk.database) : false),
      );
  }
}

interface Snapshot {
  readonly head: number;
  readonly consumers: ReadonlyMap<string, number>;
  readonly webhooks: { count: number; backlog: number; failing: number; failures: number };
  readonly deletion: { byStatus: ReadonlyMap<string, number>; oldestPendingSeconds: number };
  readonly feedLag: number | null;
  readonly disk: { free: number; size: number; database: number } | null;
}

async function read(sources: StoreStateSources, now: Date): Promise<Snapshot> {
  const { executor, feed, disk } = sources;
  const [state, diskState] = await Promise.all([
    executor ? readDatabase(executor, now, sources.storeWide ?? false) : null,
    disk ? readDisk(disk.dataDir, disk.databaseFile) : null,
  ]);
  const head = state?.head ?? 0n;
  const position = feed?.currentPosition ?? null;
  return {
    head: Number(head),
    consumers: state?.consumers ?? new Map(),
    webhooks: state?.webhooks ?? { count: 0, backlog: 0, failing: 0, failures: 0 },
    deletion: state?.deletion ?? { byStatus: new Map(), oldestPendingSeconds: 0 },
    feedLag: position === null || !state ? null : Math.max(0, Number(head - position)),
    disk: diskState,
  };
}

type DatabaseState = Pick<Snapshot, 'consumers' | 'webhooks' | 'deletion'> & { readonly head: bigint };

async function readDatabase(
  executor: Executor,
  now: Date,
  storeWide: boolean,
): Promise<Partial<DatabaseState> & { readonly head: bigint }> {
  const head = await executor.outboxHead();
  if (!storeWide) return { head };
  const [cursors, [deliveries], [failing], statuses, oldest] = await Promise.all([
    executor.select({ table: 'outbox_cursors', columns: ['consumer', 'last_seq'], limit: 1000 }),
    executor.aggregate({
      table: 'webhook_deliveries',
      measures: {
        count: { fn: 'count' },
        lowest: { fn: 'min', of: { kind: 'column', column: 'last_position' } },
        failures: { fn: 'sum', of: { kind: 'column', column: 'failures' } },
      },
    }),
    executor.aggregate({
      table: 'webhook_deliveries',
      where: range('failures', { gt: 0 }),
      measures: { count: { fn: 'count' } },
    }),
    executor.aggregate({
      table: 'flow_delete_requests',
      groupBy: ['status'],
      measures: { count: { fn: 'count' } },
      maxGroups: 100,
    }),
    executor.select({
      table: 'flow_delete_requests',
      columns: ['updated'],
      where: isIn('status', PENDING_DELETION),
      orderBy: [{ column: 'updated', direction: 'asc' }],
      limit: 1,
    }),
  ]);
  const consumers = new Map<string, number>();
  // The webhooks consumer keeps its progress per registration (webhook_deliveries), not in last_seq.
  for (const c of cursors.rows)
    if (c.consumer !== 'webhooks' && c.last_seq >= 0n) consumers.set(c.consumer, Number(head - c.last_seq));
  const count = Number(deliveries?.values.count ?? 0);
  const lowest = deliveries?.values.lowest;
  const byStatus = new Map<string, number>();
  for (const s of ['created', 'started', 'done', 'error']) byStatus.set(s, 0);
  for (const row of statuses) byStatus.set(String(row.group.status), Number(row.values.count ?? 0));
  const oldestUpdated = oldest.rows[0]?.updated;
  return {
    head,
    consumers,
    webhooks: {
      count,
      backlog:
        count && lowest !== null && lowest !== undefined ? Math.max(0, Number(head - BigInt(lowest))) : 0,
      failing: Number(failing?.values.count ?? 0),
      failures: Number(deliveries?.values.failures ?? 0),
    },
    deletion: {
      byStatus,
      oldestPendingSeconds: oldestUpdated ? Math.max(0, (now.getTime() - oldestUpdated.getTime()) / 1000) : 0,
    },
  };
}

async function readDisk(dataDir: string, databaseFile: string | undefined) {
  const fs = await statfs(dataDir);
  let database = 0;
  if (databaseFile)
    for (const file of [databaseFile, `${databaseFile}-wal`])
      database += await stat(file).then(
        (s) => s.size,
        () => 0,
      );
  return { free: fs.bavail * fs.bsize, size: fs.blocks * fs.bsize, database };
}
