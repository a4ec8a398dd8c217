import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type * as IoRedis from 'ioredis';
import type { Redis } from 'ioredis';
import { lazyModule } from '../lazy-module.js';
import type { Executor, OutboxEvent } from '../executor/index.js';
import type { BusKeys } from './bus-stream.js';
import { busConnectionOptions, busKeys, entryFields, entryId, isAlreadyPublished } from './bus-stream.js';
import { OutboxLease } from './outbox-lease.js';

/** Loaded when a Redis client is first made (lib/lazy-module.ts). */
const ioredis = lazyModule<typeof IoRedis>('ioredis');

/** The follower's lease and cursor row in `outbox_cursors`. */
export const BUS_CONSUMER = 'redis-bus';

export interface StreamFollowerOptions {
  /** `redis://…` of the bus. The follower opens its own connection. */
  readonly redisUrl: string;
  /** Key prefix of the stream and the heartbeat. Default `tams:bus:`. */
  readonly prefix?: string;
  /** The stream is capped near this many entries (`MAXLEN ~`). Default 100,000. */
  readonly maxLen?: number;
  /** Reads the outbox this often without `wake()` (other processes' writes). Default 250 ms. */
  readonly pollMs?: number;
  /** Events read and published per batch. Default 500. */
  readonly batchSize?: number;
  /** Lease lifetime; renewed every third of it. Default 30 s. */
  readonly leaseMs?: number;
  /**
   * The cursor is stored at most this often (and on stop). Storing lags publishing harmlessly: a new
   * holder re-reads from the stored cursor and Redis refuses what is already in the stream. Default
   * 1 s; 0 stores after every batch.
   */
  readonly cursorStoreMs?: number;
  /**
   * Shortest time between the starts of two rounds, so a burst of commits (each waking the follower)
   * costs a few rounds rather than one each. Default 20 ms.
   */
  readonly roundGapMs?: number;
  /**
   * How often a process that does not hold the lease tries to take it (one transaction each). Default
   * 2 s: below the heartbeat's lifetime, so a follower that stops cleanly (giving the lease up) is
   * replaced before feeds give up on the stream, without every standby querying at the poll rate.
   */
  readonly standbyMs?: number;
  /**
   * The heartbeat lives this long after each round: feeds that find it gone stop trusting the stream
   * and read the outbox themselves. Default 5 s; keep it well above `pollMs`.
   */
  readonly heartbeatTtlMs?: number;
  /** A Redis command without an answer fails after this long. Default 1,000 ms. */
  readonly commandTimeoutMs?: number;
  /** This process in the lease row (and logs). Default host:pid:random. */
  readonly owner?: string;
  /** The lease and cursor row in `outbox_cursors`. Default `redis-bus` (tests use their own). */
  readonly consumer?: string;
  /**
   * Runs before each batch is published, and is awaited: the gateway's cache invalidation for those
   * events (a backstop for a writer whose own invalidation was lost). A throw fails the round, which is
   * retried from the same cursor; so it may see a batch more than once.
   */
  readonly beforePublish?: (events: readonly OutboxEvent[]) => Promise<void>;
  /** Told when this process starts or stops being the publishing follower (metrics). */
  readonly onLeadership?: (holding: boolean) => void;
  /** Told after each batch that added entries (not counting refused ones), with its last event (metrics). */
  readonly onPublished?: (count: number, last: OutboxEvent) => void;
  readonly log?: {
    warn(details: Record<string, unknown>, message: string): void;
    error(details: Record<string, unknown>, message: string): void;
  };
  /** Clock of the lease. Default the system clock. */
  readonly now?: () => Date;
}

/**
 * Publishes the event outbox to a capped Redis stream, for every gateway's `StreamFeed`: one follower per
 * deployment acts (it holds the `redis-bus` lease in `outbox_cursors`); the others wait to take over.
 * The holder reads the outbox after its cursor, runs `beforePublish`, XADDs each event with its outbox
 * position as the entry ID, and stores its cursor now and then. A holder that lost its lease without
 * knowing it (a long pause) can add nothing twice nor out of order: Redis refuses IDs at or below the
 * stream's last, which the follower takes as "already published". It reads when woken (`wake()` after
 * a local commit, or a standby's wake passed on through Redis) and polls otherwise.
 */
export class StreamFollower {
  private readonly redis: Redis;
  /** Subscribed to the wake channel (a connection in subscriber mode serves nothing else). */
  private readonly subscriber: Redis;
  private readonly keys: BusKeys;
  private readonly lease: OutboxLease;
  private readonly settings: {
    readonly maxLen: string;
    readonly pollMs: number;
    readonly batchSize: number;
    readonly leaseMs: number;
    readonly standbyMs: number;
    readonly heartbeatTtlMs: number;
    readonly cursorStoreMs: number;
    readonly roundGapMs: number;
  };
  private readonly now: () => Date;
  /** The last position published (or found published); null until this process holds the lease. */
  private cursor: bigint | null = null;
  /** The cursor as stored in `outbox_cursors`, and when (ms). */
  private stored: bigint | null = null;
  private storedAt = 0;
  private holding = false;
  private leaseCheckedAt = 0;
  private running = false;
  private loop: Promise<void> | null = null;
  private woken = false;
  private wakeUp: (() => void) | null = null;
  /** A failure is logged when it starts, not on every retry. */
  private failing = false;
  private outageLogged = false;

  constructor(
    private readonly executor: Executor,
    private readonly options: StreamFollowerOptions,
  ) {
    this.keys = busKeys(options.prefix);
    this.now = options.now ?? (() => new Date());
    this.settings = {
      maxLen: String(options.maxLen ?? 100_000),
      pollMs: options.pollMs ?? 250,
      batchSize: options.batchSize ?? 500,
      leaseMs: options.leaseMs ?? 30_000,
      standbyMs: options.standbyMs ?? 2000,
      cursorStoreMs: options.cursorStoreMs ?? 1000,
      roundGapMs: options.roundGapMs ?? 20,
      heartbeatTtlMs: options.heartbeatTtlMs ?? 5000,
    };
    const owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID()}`;
    this.lease = new OutboxLease(
      executor,
      options.consumer ?? BUS_CONSUMER,
      owner,
      this.settings.leaseMs,
      this.now,
    );
    this.redis = new (ioredis().Redis)(
      options.redisUrl,
      busConnectionOptions(options.commandTimeoutMs ?? 1000, 'tams-bus-follower'),
    );
    // Logged once per outage; the rounds wait for the connection (below).
    this.redis.on('error', (error: Error) => {
      if (this.outageLogged) return;
      this.outageLogged = true;
      this.options.log?.warn(
        { err: error.message },
        'the Redis bus is unreachable: events are not published (gateways read the outbox) until it is back',
      );
    });
    this.redis.on('ready', () => {
      this.outageLogged = false;
      // Rounds wait for the connection: start one now rather than at the next poll.
      this.wakeLocally();
    });
    this.subscriber = new (ioredis().Redis)(
      options.redisUrl,
      busConnectionOptions(options.commandTimeoutMs ?? 1000, 'tams-bus-follower-wake'),
    );
    this.subscriber.on('error', () => {});
    // On every (re)connection; a channel subscribed twice is still one subscription.
    this.subscriber.on('ready', () => void this.subscriber.subscribe(this.keys.wake).catch(() => {}));
    this.subscriber.on('message', () => {
      if (this.holding) this.wakeLocally();
    });
  }

  /** Whether this process is the publishing follower now. */
  get isHolder(): boolean {
    return this.holding && this.lease.held();
  }

  /** Starts following in the background; a second call does nothing. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /**
   * Reads now (after a local commit) instead of at the next poll. Cheap; coalesced. A standby passes
   * the wake on to the holder through Redis, so a commit on any replica is published at once.
   */
  wake(): void {
    if (!this.holding && this.running && this.redis.status === 'ready')
      this.redis.publish(this.keys.wake, '1').catch(() => {});
    this.wakeLocally();
  }

  private wakeLocally(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Stops after the round in flight, gives the lease up (another takes over at once), closes Redis. */
  async stop(): Promise<void> {
    if (this.running) {
      this.running = false;
      this.wakeLocally();
      await this.loop;
      if (this.holding && this.cursor !== null && this.cursor !== this.stored)
        await this.storeCursor().catch(() => {});
      if (this.holding)
        await this.lease.release().catch((error: unknown) => {
          this.options.log?.warn(
            { err: error },
            'the bus follower could not give up its lease; it lapses by itself',
          );
        });
      this.setHolding(false);
    }
    this.redis.disconnect();
    this.subscriber.disconnect();
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.woken = false;
      const began = Date.now();
      let waitMs = this.settings.pollMs;
      try {
        waitMs = await this.round();
        this.failing = false;
      } catch (error) {
        if (error instanceof LeaseLost) {
          this.setHolding(false);
          this.options.log?.warn({}, error.message);
          continue;
        }
        if (!this.failing)
          this.options.log?.error(
            { err: error },
            'publishing the event outbox to the Redis bus failed; retrying from the same position',
          );
        this.failing = true;
      }
      const gap = Math.min(this.settings.roundGapMs, waitMs) - (Date.now() - began);
      if (gap > 0 && this.running) await new Promise((resolve) => setTimeout(resolve, gap));
      if (this.running && !this.woken) await this.sleep(waitMs);
      this.wakeUp = null;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** One round: keep the lease, publish everything after the cursor; resolves to ms until the next. */
  private async round(): Promise<number> {
    // Without Redis this process neither takes nor renews the lease: one that reaches Redis can take
    // over once it lapses, instead of a holder cut off from Redis keeping the stream dry.
    if (this.redis.status !== 'ready') return this.settings.pollMs;
    const renewMs = Math.floor(this.settings.leaseMs / 3);
    const now = this.now().getTime();
    const sinceCheck = now - this.leaseCheckedAt;
    // A holder renews every third of the lease (at once when it lapsed locally); a standby tries every
    // `standbyMs`, however often it is woken.
    const due = this.holding
      ? !this.lease.held() || sinceCheck >= renewMs
      : sinceCheck >= this.settings.standbyMs;
    if (due) {
      this.leaseCheckedAt = now;
      // A standby reads the row first: one query, instead of a transaction, while the holder lives.
      const taken = !this.holding && (await this.lease.heldByAnother());
      this.setHolding(!taken && (await this.lease.acquire()));
    }
    if (!this.holding) return Math.max(1, this.settings.standbyMs - (now - this.leaseCheckedAt));
    this.cursor ??= await this.startingCursor();
    for (;;) {
      const events = await this.executor.readOutbox(this.cursor, this.settings.batchSize);
      if (events.length) await this.publish(events);
      if (events.length < this.settings.batchSize) break;
    }
    if (this.cursor !== this.stored && Date.now() - this.storedAt >= this.settings.cursorStoreMs)
      await this.storeCursor();
    // Everything up to the cursor is in the stream: feeds may trust it for a while.
    await this.redis.set(this.keys.heartbeat, String(this.cursor), 'PX', this.settings.heartbeatTtlMs);
    return this.settings.pollMs;
  }

  /**
   * Where a new holder starts: the stored cursor (what the last holder published, or less: a holder that
   * died between publishing and storing leaves events that are re-added and refused as duplicates). On
   * the very first run, the outbox head: the stream carries no history, as a feed's first listener does
   * not replay any.
   */
  private async startingCursor(): Promise<bigint> {
    const stored = await this.lease.readCursor();
    if (stored !== null) {
      this.stored = stored;
      return stored;
    }
    this.cursor = await this.executor.outboxHead();
    await this.storeCursor();
    return this.cursor;
  }

  /** Stores the cursor; a process that lost the lease learns it here and stops publishing. */
  private async storeCursor(): Promise<void> {
    const cursor = this.cursor!;
    if (!(await this.lease.storeCursor(cursor))) throw new LeaseLost();
    this.stored = cursor;
    this.storedAt = Date.now();
  }

  private async publish(events: readonly OutboxEvent[]): Promise<void> {
    await this.options.beforePublish?.(events);
    // The lease lapsed meanwhile (a slow hook, a pause): leave the batch to the next holder.
    if (!this.lease.held()) throw new LeaseLost();
    const pipeline = this.redis.pipeline();
    let previous = this.cursor!;
    for (const event of events) {
      pipeline.xadd(
        this.keys.stream,
        'MAXLEN',
        '~',
        this.settings.maxLen,
        entryId(event.position),
        ...entryFields(event, previous),
      );
      previous = event.position;
    }
    const results = (await pipeline.exec()) ?? [];
    let added = 0;
    for (const [error] of results)
      if (!error) added++;
      else if (!isAlreadyPublished(error))
        throw new Error(`adding an event to the Redis bus stream failed: ${error.message}`, {
          cause: error,
        });
    const last = events[events.length - 1]!;
    this.cursor = last.position;
    if (added) this.options.onPublished?.(added, last);
  }

  private setHolding(holding: boolean): void {
    if (holding === this.holding) return;
    this.holding = holding;
    if (!holding) {
      this.cursor = null;
      this.stored = null;
    }
    this.options.onLeadership?.(holding);
  }
}

/** This process no longer holds the lease: it stops publishing until it takes the lease again. */
class LeaseLost extends Error {
  constructor() {
    super('the Redis bus lease passed to another process; this one stops publishing');
  }
}
