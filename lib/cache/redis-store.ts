import type * as IoRedis from 'ioredis';
import type { Redis } from 'ioredis';
import { lazyModule } from '../lazy-module.js';
import type {
  CacheStore,
  EntryRequest,
  FillEntry,
  ImmutableEntry,
  ReadResult,
  StoreHealth,
} from './cache-store.js';
import type { CacheLog } from './cache-log.js';
import { BUMP, BUMP_EPOCH, FILL, READ, TICK } from './redis-scripts.js';

/** Loaded when a Redis client is first made (lib/lazy-module.ts). */
const ioredis = lazyModule<typeof IoRedis>('ioredis');

export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…`. */
  readonly url: string;
  /** Prefix of every key the store writes. Default `tams:cache:`. */
  readonly prefix?: string;
  /**
   * A command that has no answer after this long fails (the cache is then bypassed). Default 1,000 ms.
   * Bounds what Redis can add to a request: a read waits at most this long, a write's bump at most twice.
   */
  readonly commandTimeoutMs?: number;
  /** Reconnection attempts back off up to this delay. Default 1,000 ms; keep it well below `quietMs`. */
  readonly maxReconnectDelayMs?: number;
  /** How often a heartbeat is sent; 0 turns heartbeats off. Default 250 ms (less if `gapMs` is small). */
  readonly heartbeatMs?: number;
  /**
   * A server that saw no heartbeat (from any replica) for longer than this starts a new epoch and a
   * quiet period (it was stopped or hung, or every replica lost it). At most twice `commandTimeoutMs`
   * (README.md, "Outages"), at least 4 heartbeats; 0 turns the check off. Default: twice `commandTimeoutMs`.
   */
  readonly gapMs?: number;
  /**
   * After a new epoch that follows an outage, no entry is a hit for this long: replicas that lost Redis
   * must reconnect and bump the epoch within it. Default 5,000 ms.
   */
  readonly quietMs?: number;
  /** How long a dependency stamp lives without a bump (a new one is drawn after). Default 24 h. */
  readonly stampTtlMs?: number;
  /** Shown in `CLIENT LIST`. */
  readonly connectionName?: string;
  readonly log?: CacheLog;
}

/** The scripts as ioredis defines them (`defineCommand`); the Buffer variants keep values binary. */
interface ScriptCommands {
  tamsCacheReadBuffer(...args: (string | Buffer | number)[]): Promise<unknown>;
  tamsCacheFill(...args: (string | Buffer | number)[]): Promise<unknown>;
  tamsCacheBump(...args: (string | Buffer | number)[]): Promise<unknown>;
  tamsCacheBumpEpoch(...args: (string | Buffer | number)[]): Promise<unknown>;
  tamsCacheTick(...args: (string | Buffer | number)[]): Promise<unknown>;
}

const SCRIPTS = {
  tamsCacheRead: READ,
  tamsCacheFill: FILL,
  tamsCacheBump: BUMP,
  tamsCacheBumpEpoch: BUMP_EPOCH,
  tamsCacheTick: TICK,
};

/** A reply that is not what the scripts return: a store mismatch, never expected. */
function malformed(what: string): Error {
  return new Error(`the Redis cache returned a malformed ${what} reply (is another program using its keys?)`);
}

const text = (value: unknown): string => {
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  throw malformed('stamp');
};

/**
 * The cache on a Redis server shared by every replica (ioredis, one connection). Commands never queue
 * while Redis is away (`enableOfflineQueue: false`) and time out after `commandTimeoutMs`, so a down or
 * hung Redis costs a request at most that; the client reconnects by itself. Every batch is one round
 * trip (a script, or a pipeline for immutable entries). The protocol and the Redis configuration it
 * needs are in README.md.
 */
export class RedisStore implements CacheStore {
  readonly kind = 'redis';
  readonly prefix: string;
  private readonly redis: Redis;
  private readonly scripts: ScriptCommands;
  private readonly gapUs: string;
  private readonly quietUs: string;
  private readonly stampTtlMs: string;
  private readonly listeners = new Set<(health: StoreHealth) => void>();
  private readonly heartbeat: NodeJS.Timeout | null = null;
  private ticking = false;
  private connectionState: StoreHealth = 'down';
  /** An outage is logged once, when it begins, not once per reconnection attempt. */
  private outageLogged = false;
  private closed = false;

  constructor(private readonly options: RedisStoreOptions) {
    const commandTimeoutMs = options.commandTimeoutMs ?? 1000;
    const gapMs = options.gapMs ?? 2 * commandTimeoutMs;
    const heartbeatMs = options.heartbeatMs ?? Math.min(250, Math.floor(gapMs / 8));
    const maxReconnectDelayMs = options.maxReconnectDelayMs ?? 1000;
    if (gapMs > 0 && (heartbeatMs <= 0 || gapMs < 4 * heartbeatMs)) {
      throw new Error(
        `the cache's gap check (gapMs ${gapMs}) needs heartbeats at most a quarter of it apart (heartbeatMs ${heartbeatMs}); set gapMs to 0 to turn it off`,
      );
    }
    if (gapMs > 2 * commandTimeoutMs) {
      throw new Error(
        `the cache's gap check (gapMs ${gapMs}) must be at most twice the command timeout (${commandTimeoutMs} ms): a writer acknowledges a failed bump after two timeouts, and a hang that long must be seen`,
      );
    }
    this.prefix = options.prefix ?? 'tams:cache:';
    this.gapUs = String(gapMs * 1000);
    this.quietUs = String((options.quietMs ?? 5000) * 1000);
    this.stampTtlMs = String(options.stampTtlMs ?? 24 * 3600 * 1000);
    this.redis = new (ioredis().Redis)(options.url, {
      enableOfflineQueue: false,
      commandTimeout: commandTimeoutMs,
      // A command caught by a dropped connection fails at once instead of waiting for the reconnection.
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      retryStrategy: (attempt) => Math.min(50 * attempt, maxReconnectDelayMs),
      connectTimeout: Math.max(commandTimeoutMs, 1000),
      ...(options.connectionName ? { connectionName: options.connectionName } : {}),
      scripts: Object.fromEntries(
        Object.entries(SCRIPTS).map(([name, lua]) => [name, { lua, numberOfKeys: 0 }]),
      ),
    });
    this.scripts = this.redis as unknown as ScriptCommands;
    this.redis.on('ready', () => {
      this.outageLogged = false;
      this.setConnection('up');
    });
    this.redis.on('close', () => this.setConnection('down'));
    this.redis.on('error', (error: Error) => this.failed(error, 'connection'));
    if (heartbeatMs > 0) {
      this.heartbeat = setInterval(() => this.tick(), heartbeatMs);
      this.heartbeat.unref();
    }
  }

  get health(): StoreHealth {
    return this.connectionState;
  }

  onHealth(listener: (health: StoreHealth) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(health: StoreHealth): void {
    for (const listener of this.listeners) listener(health);
  }

  private setConnection(health: StoreHealth): void {
    if (this.closed) return;
    const changed = health !== this.connectionState;
    this.connectionState = health;
    if (changed || health === 'down') this.emit(health);
  }

  /** Every failure is a sign the cache may have missed something: listeners bypass it until recovery. */
  private failed(error: unknown, during: string): void {
    if (this.closed) return;
    if (!this.outageLogged) {
      this.outageLogged = true;
      this.options.log?.warn(
        { err: error instanceof Error ? error.message : String(error), during },
        'Redis cache unavailable: requests bypass it until it is back',
      );
    }
    this.emit('down');
  }

  private async run<T>(during: string, command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      this.failed(error, during);
      throw error;
    }
  }

  private tick(): void {
    if (this.ticking || this.connectionState !== 'up') return;
    this.ticking = true;
    this.scripts
      .tamsCacheTick(this.prefix, this.gapUs, this.quietUs)
      .catch((error: unknown) => this.failed(error, 'heartbeat'))
      .finally(() => {
        this.ticking = false;
      });
  }

  async read(requests: readonly EntryRequest[]): Promise<ReadResult[]> {
    if (requests.length === 0) return [];
    const args: (string | number)[] = [
      this.prefix,
      this.gapUs,
      this.quietUs,
      this.stampTtlMs,
      requests.length,
    ];
    for (const request of requests) args.push(request.key, request.deps.length, ...request.deps);
    const reply = await this.run('read', () => this.scripts.tamsCacheReadBuffer(...args));
    if (!Array.isArray(reply) || reply.length !== requests.length) throw malformed('read');
    return reply.map((item: unknown, i): ReadResult => {
      if (!Array.isArray(item)) throw malformed('read');
      if (item[0] === 1 && Buffer.isBuffer(item[1])) return { hit: true, value: item[1] };
      const deps = item.slice(2).map(text);
      if (item[0] !== 0 || deps.length !== requests[i]!.deps.length) throw malformed('read');
      return { hit: false, stamps: { epoch: text(item[1]), deps } };
    });
  }

  async fill(entries: readonly FillEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const args: (string | number | Buffer)[] = [this.prefix, '-', '-', '-', entries.length];
    for (const entry of entries) {
      if (entry.stamps.deps.length !== entry.deps.length) {
        throw new Error(
          `cache fill of ${entry.key}: ${entry.deps.length} dependencies but ${entry.stamps.deps.length} stamps`,
        );
      }
      args.push(entry.key, Math.max(1, Math.ceil(entry.ttlMs)), entry.stamps.epoch, entry.deps.length);
      entry.deps.forEach((dep, i) => args.push(dep, entry.stamps.deps[i]!));
      args.push(entry.value);
    }
    await this.run('fill', () => this.scripts.tamsCacheFill(...args));
  }

  async bump(deps: readonly string[]): Promise<void> {
    if (deps.length === 0) return;
    await this.run('bump', () => this.scripts.tamsCacheBump(this.prefix, '-', '-', this.stampTtlMs, ...deps));
  }

  async bumpEpoch(): Promise<void> {
    await this.run('epoch bump', () => this.scripts.tamsCacheBumpEpoch(this.prefix, '-', this.quietUs));
  }

  async getImmutable(keys: readonly string[]): Promise<(Buffer | undefined)[]> {
    if (keys.length === 0) return [];
    const values = await this.run('immutable read', () =>
      this.redis.mgetBuffer(keys.map((key) => `${this.prefix}i:${key}`)),
    );
    return values.map((value) => value ?? undefined);
  }

  async setImmutable(entries: readonly ImmutableEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const entry of entries) {
      pipeline.set(`${this.prefix}i:${entry.key}`, entry.value, 'PX', Math.max(1, Math.ceil(entry.ttlMs)));
    }
    const results = await this.run('immutable write', () => pipeline.exec());
    const failure = results?.find(([error]) => error !== null)?.[0];
    if (failure) {
      this.failed(failure, 'immutable write');
      throw failure;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.listeners.clear();
    try {
      await this.redis.quit();
    } catch {
      // Redis is away: nothing to say goodbye to.
    } finally {
      this.redis.disconnect();
    }
  }
}
