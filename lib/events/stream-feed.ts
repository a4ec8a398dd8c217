import type * as IoRedis from 'ioredis';
import type { Redis } from 'ioredis';
import { lazyModule } from '../lazy-module.js';
import type { Executor } from '../executor/index.js';
import type { BusKeys } from './bus-stream.js';
import { busConnectionOptions, busKeys, entryId, parseEntry } from './bus-stream.js';
import type { DeliveryObserver, EventFeed, FeedEvent, FeedListener, FeedSource } from './event-feed.js';
import { feedEventOf } from './event-feed.js';

/** Loaded when a Redis client is first made (lib/lazy-module.ts). */
const ioredis = lazyModule<typeof IoRedis>('ioredis');

export interface StreamFeedOptions {
  /** `redis://…` of the bus. The feed opens one connection of its own (XREAD BLOCK holds it). */
  readonly redisUrl: string;
  /** Key prefix of the stream and the heartbeat (as the follower's). Default `tams:bus:`. */
  readonly prefix?: string;
  /** Events read per XREAD or outbox query. Default 500. */
  readonly batchSize?: number;
  /** XREAD waits this long for an entry before looking again (and checking the heartbeat). Default 1 s. */
  readonly blockMs?: number;
  /** How often the follower's heartbeat is checked while reading the stream. Default 1 s. */
  readonly heartbeatCheckMs?: number;
  /** While reading the outbox itself: how often (and how often it tries the stream again). Default 250 ms. */
  readonly pollMs?: number;
  /** Told of each event handed out, with its source (metrics). */
  readonly onDelivered?: DeliveryObserver;
  /** Told when the feed switches between the stream and the outbox, and why. */
  readonly onSource?: (source: FeedSource, reason: string) => void;
  readonly log?: {
    info(details: Record<string, unknown>, message: string): void;
    warn(details: Record<string, unknown>, message: string): void;
    error(details: Record<string, unknown>, message: string): void;
  };
}

/**
 * A gateway's event feed over the Redis bus: new outbox events, as a `StreamFollower` publishes them to
 * the stream, handed to in-process listeners; no database query while the bus is healthy.
 *
 * The outbox stays the truth and the feed's position is an outbox position. A stream entry is delivered
 * only when it follows that position exactly (its `p` field names the position before it: see
 * bus-stream.ts); an entry further on means the stream misses events (trimmed past us, lost with a
 * Redis restart, published by a follower that started later). Then, and when Redis is unreachable or no
 * follower has published for a while (its heartbeat lapsed), the feed reads the outbox itself from its
 * position, as `OutboxFeed` does, and tries the stream again after each read once the heartbeat is back.
 * Both sources hand out only events after the position, and the stream only the very next one, so no
 * switch skips or repeats an event.
 */
export class StreamFeed implements EventFeed {
  private readonly listeners = new Set<FeedListener>();
  private readonly redis: Redis;
  private readonly keys: BusKeys;
  private readonly settings: {
    readonly batchSize: number;
    readonly blockMs: number;
    readonly heartbeatCheckMs: number;
    readonly pollMs: number;
  };
  private position: bigint | null = null;
  private positioning: Promise<void> | null = null;
  private mode: FeedSource = 'redis';
  private heartbeatCheckedAt = 0;
  /** When the feed last left the stream for the outbox (ms). */
  private fellBackAt = 0;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private closed = false;
  /** A failing outbox read is logged when it starts, not on every retry. */
  private failing = false;

  constructor(
    private readonly executor: Executor,
    private readonly options: StreamFeedOptions,
  ) {
    this.keys = busKeys(options.prefix);
    this.settings = {
      batchSize: options.batchSize ?? 500,
      blockMs: options.blockMs ?? 1000,
      heartbeatCheckMs: options.heartbeatCheckMs ?? 1000,
      pollMs: options.pollMs ?? 250,
    };
    // The timeout covers the longest blocking read: past it, Redis is hung and the outbox takes over.
    this.redis = new (ioredis().Redis)(
      options.redisUrl,
      busConnectionOptions(this.settings.blockMs + 1000, 'tams-bus-feed'),
    );
    // Failures surface on the commands (and switch to the outbox); the connection's errors repeat them.
    this.redis.on('error', () => {});
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  get currentPosition(): bigint | null {
    return this.position;
  }

  /** Where the feed reads from now. */
  get source(): FeedSource {
    return this.mode;
  }

  async listen(listener: FeedListener): Promise<() => void> {
    if (this.closed) throw new Error('the event feed is closed');
    this.listeners.add(listener);
    const remove = () => this.unlisten(listener);
    if (this.position === null) {
      // The outbox head, not the stream's last entry: the stream may lag, and a listener must not get
      // events committed before it listened.
      this.positioning ??= Promise.all([this.executor.outboxHead(), this.connected()]).then(
        ([head]) => {
          this.positioning = null;
          if (this.closed) throw new Error('the event feed is closed');
          if (this.listeners.size === 0) return;
          this.position = head;
          this.startLoop();
        },
        (error: unknown) => {
          this.positioning = null;
          throw error;
        },
      );
      try {
        await this.positioning;
      } catch (error) {
        remove();
        throw error;
      }
    }
    return remove;
  }

  /**
   * Resolves once the connection is ready, or after one command timeout: a feed started with its
   * process reads the stream at once rather than the outbox until its first retry.
   */
  private connected(): Promise<void> {
    if (this.redis.status === 'ready') return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.redis.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, 1000);
      this.redis.once('ready', done);
    });
  }

  /** While reading the outbox itself: read now. On the stream, the follower is woken instead. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    this.position = null;
    this.wake();
    // Ends a blocking XREAD at once.
    this.redis.disconnect();
    await this.loop;
  }

  private unlisten(listener: FeedListener): void {
    this.listeners.delete(listener);
    // Nobody listens: the loop ends after its current read; a next first listener starts at the head.
    if (this.listeners.size === 0) this.position = null;
  }

  private startLoop(): void {
    this.loop ??= this.run().finally(() => {
      this.loop = null;
      if (this.position !== null && !this.closed) this.startLoop();
    });
  }

  private async run(): Promise<void> {
    while (!this.closed && this.position !== null) {
      if (this.mode === 'redis') await this.fromStream();
      else await this.fromOutbox();
    }
  }

  private async fromStream(): Promise<void> {
    const from = this.position!;
    try {
      const now = Date.now();
      if (now - this.heartbeatCheckedAt >= this.settings.heartbeatCheckMs) {
        this.heartbeatCheckedAt = now;
        if ((await this.redis.get(this.keys.heartbeat)) === null)
          return this.switchTo('database', 'no follower has published to the Redis bus lately');
      }
      const reply = await this.redis.xread(
        'COUNT',
        this.settings.batchSize,
        'BLOCK',
        this.settings.blockMs,
        'STREAMS',
        this.keys.stream,
        entryId(from),
      );
      // Stopped, or restarted at a new head, meanwhile: these entries are nobody's.
      if (this.position !== from || !reply) return;
      for (const [, entries] of reply)
        for (const [id, fields] of entries) {
          const entry = parseEntry(id, fields);
          if (this.position === null) return;
          if (entry.event.position <= this.position) continue;
          if (entry.previous !== this.position)
            return this.switchTo(
              'database',
              `the Redis bus stream misses events after position ${this.position}`,
            );
          this.deliver(entry.event, 'redis', entry.writtenAt);
        }
    } catch (error) {
      if (this.closed) return;
      this.switchTo('database', `the Redis bus is unavailable (${(error as Error).message})`);
    }
  }

  private async fromOutbox(): Promise<void> {
    this.woken = false;
    try {
      for (;;) {
        const from = this.position;
        if (from === null) return;
        const rows = await this.executor.readOutbox(from, this.settings.batchSize);
        if (this.position !== from) return;
        for (const row of rows) {
          if (this.position === null) return;
          this.deliver(feedEventOf(row), 'database', row.event_timestamp);
        }
        if (rows.length < this.settings.batchSize) break;
      }
      this.failing = false;
    } catch (error) {
      // The next poll retries from the same position: nothing is skipped.
      if (!this.failing) this.options.log?.error({ err: error }, 'reading the event outbox failed; retrying');
      this.failing = true;
    }
    // Back to the stream once a follower publishes again; it delivers only what follows our position,
    // and sends us back here if it cannot. At most once per poll, so a stream that keeps failing (a
    // hole a follower never fills, a key of the wrong type) cannot make this loop spin on the outbox.
    if (
      this.redis.status === 'ready' &&
      this.position !== null &&
      Date.now() - this.fellBackAt >= this.settings.pollMs
    ) {
      const heartbeat = await this.redis.get(this.keys.heartbeat).catch(() => null);
      if (heartbeat !== null) {
        this.heartbeatCheckedAt = Date.now();
        return this.switchTo('redis', 'the Redis bus is back');
      }
    }
    if (!this.woken && !this.closed && this.position !== null) await this.sleep(this.settings.pollMs);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = null;
        done();
      };
    });
  }

  private switchTo(source: FeedSource, reason: string): void {
    if (source === this.mode) return;
    this.mode = source;
    if (source === 'database') this.fellBackAt = Date.now();
    if (source === 'database')
      this.options.log?.warn({ reason, position: String(this.position) }, 'event feed reads the outbox');
    else this.options.log?.info({ position: String(this.position) }, 'event feed reads the Redis bus again');
    this.options.onSource?.(source, reason);
  }

  private deliver(event: FeedEvent, source: FeedSource, writtenAt: Date): void {
    // Advanced before the listeners run: `position` then covers the event they react to.
    this.position = event.position;
    this.options.onDelivered?.(source, event, writtenAt);
    for (const listener of [...this.listeners])
      try {
        listener(event);
      } catch (error) {
        this.options.log?.error({ err: error }, 'a subscription listener failed on an event');
      }
  }
}
