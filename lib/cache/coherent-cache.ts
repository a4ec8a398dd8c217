import type { CacheLog } from './cache-log.js';
import type { CacheStore, EntryRequest, FillEntry, ReadResult, StoreHealth } from './cache-store.js';
import { DecodedValues, deepFreeze } from './decoded-values.js';
import type { ValueCodec } from './value-codec.js';
import { jsonCodec, structuredCodec } from './value-codec.js';

/** `enabled`: reads may hit; `bypass`: every read goes to the database (Redis away or not yet safe). */
export type CacheState = 'enabled' | 'bypass';

/** The outcome of one requested entry, as the metric `tams_cache_requests_total{cache,result}` counts it. */
export type CacheResult = 'hit' | 'miss' | 'bypass' | 'error';

export interface CoherentCacheOptions {
  /** Called with counts per cache space and outcome (the gateway feeds its Prometheus counter). */
  readonly onRequests?: (cache: string, result: CacheResult, count: number) => void;
  /** Called on every change of state. */
  readonly onState?: (state: CacheState) => void;
  /** While bypassing on a live connection (Redis hung or slow), how often recovery is tried. Default 1,000 ms. */
  readonly recoveryRetryMs?: number;
  readonly log?: CacheLog;
  /**
   * Encoded bytes of the decoded values kept for reuse (decoded-values.ts): a hit whose bytes did not
   * change is not decoded again. Default 16 MiB; 0 decodes every hit.
   */
  readonly decodedBytes?: number;
}

export interface SpaceOptions<V> {
  /** Names the space in keys and metrics (`flow`, `source`, …). Put a version in it when the value's shape changes. */
  readonly name: string;
  readonly ttlMs: number;
  /** Default: `jsonCodec()` (keeps bigint and Date). */
  readonly codec?: ValueCodec<V>;
}

export interface CacheSpace<V> {
  readonly name: string;
  /**
   * Values for `requests`, in order: hits from the cache, the rest from `loadMisses` (called once, with
   * the missed requests in order, after the cache was read, and never when all hit), which are then
   * stored. A value `undefined` is returned but not stored. Fails only when `loadMisses` fails.
   * The values are deep-frozen: a hit may be the same object another request was given.
   */
  loadMany(
    requests: readonly EntryRequest[],
    loadMisses: (misses: readonly EntryRequest[]) => Promise<readonly (V | undefined)[]>,
  ): Promise<(V | undefined)[]>;
}

export interface ImmutableSpace<V> {
  readonly name: string;
  /** The value stored under a content-addressed key (an APQ document by its hash), if any. */
  get(key: string): Promise<V | undefined>;
  set(key: string, value: V): Promise<void>;
}

/**
 * What callers use: a cache that is never staler than the database, on either store (README.md).
 *
 * - Reads go store → loader (for the misses, in one batch) → fill, the fill recording the stamps the
 *   read returned. Fills run in the background (`flush()` waits for them): a request waits for Redis at
 *   most one command timeout.
 * - Writers call `invalidate(deps)` after their transaction commits and before they acknowledge. It
 *   never fails: when the bump cannot be confirmed, it starts a new epoch instead, and when that fails
 *   too the write is acknowledged anyway (the database is the truth) and this process bypasses the cache.
 * - Any failed command or lost connection switches to `bypass`: reads go to the loader and fills stop.
 *   The cache comes back only once this process has bumped the epoch after the failure, so no entry
 *   from before an outage is ever served after it.
 */
export class CoherentCache {
  private current: CacheState = 'bypass';
  /** Failures seen so far; a recovery counts only if none happened while its epoch bump was in flight. */
  private failures = 0;
  private recovering = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly pendingFills = new Set<Promise<void>>();
  private readonly waiters = new Set<() => void>();
  private readonly unsubscribe: () => void;
  private readonly recoveryRetryMs: number;
  private readonly decoded: DecodedValues | null;
  private closed = false;

  constructor(
    readonly store: CacheStore,
    private readonly options: CoherentCacheOptions = {},
  ) {
    this.recoveryRetryMs = options.recoveryRetryMs ?? 1000;
    const decodedBytes = options.decodedBytes ?? 16 * 1024 * 1024;
    this.decoded = decodedBytes > 0 ? new DecodedValues(decodedBytes) : null;
    this.unsubscribe = store.onHealth((health) => this.onHealth(health));
    // A starting process bumps the epoch too: one that crashed between a commit and its bump is
    // covered when it (or any replacement) starts.
    this.recover();
  }

  get state(): CacheState {
    return this.current;
  }

  /** Resolves once the cache is enabled (it may be bypassed again at any time). */
  whenEnabled(): Promise<void> {
    if (this.current === 'enabled') return Promise.resolve();
    return new Promise((resolve) => this.waiters.add(resolve));
  }

  space<V>(options: SpaceOptions<V>): CacheSpace<V> {
    const codec = options.codec ?? this.defaultCodec<V>();
    const prefix = `${options.name}:`;
    return {
      name: options.name,
      loadMany: (requests, loadMisses) =>
        this.loadMany(
          options.name,
          requests.map((r) => ({ key: prefix + r.key, deps: [...new Set(r.deps)] })),
          requests,
          loadMisses,
          codec,
          options.ttlMs,
        ),
    };
  }

  immutable<V>(options: SpaceOptions<V>): ImmutableSpace<V> {
    const codec = options.codec ?? this.defaultCodec<V>();
    const key = (k: string) => `${options.name}:${k}`;
    return {
      name: options.name,
      get: async (k) => {
        if (this.current !== 'enabled') {
          this.count(options.name, 'bypass', 1);
          return undefined;
        }
        let value: Buffer | undefined;
        try {
          [value] = await this.store.getImmutable([key(k)]);
        } catch (error) {
          this.failed(error);
          this.count(options.name, 'error', 1);
          return undefined;
        }
        const decoded = value === undefined ? undefined : this.decode(options.name, codec, value);
        this.count(options.name, decoded === undefined ? 'miss' : 'hit', 1);
        return decoded;
      },
      set: async (k, value) => {
        if (this.current !== 'enabled') return;
        try {
          await this.store.setImmutable([{ key: key(k), value: codec.encode(value), ttlMs: options.ttlMs }]);
        } catch (error) {
          this.failed(error);
        }
      },
    };
  }

  private async loadMany<V>(
    name: string,
    keyed: readonly EntryRequest[],
    requests: readonly EntryRequest[],
    loadMisses: (misses: readonly EntryRequest[]) => Promise<readonly (V | undefined)[]>,
    codec: ValueCodec<V>,
    ttlMs: number,
  ): Promise<(V | undefined)[]> {
    if (requests.length === 0) return [];
    if (this.current !== 'enabled') {
      this.count(name, 'bypass', requests.length);
      return this.load(loadMisses, requests);
    }
    let read: ReadResult[];
    try {
      read = await this.store.read(keyed);
    } catch (error) {
      this.failed(error);
      this.count(name, 'error', requests.length);
      return this.load(loadMisses, requests);
    }
    const values: (V | undefined)[] = new Array<V | undefined>(requests.length);
    const missed: number[] = [];
    read.forEach((result, i) => {
      const value = result.hit ? this.decodeEntry(name, keyed[i]!.key, codec, result.value) : undefined;
      if (value === undefined) missed.push(i);
      else values[i] = value;
    });
    if (requests.length > missed.length) this.count(name, 'hit', requests.length - missed.length);
    if (missed.length === 0) return values;
    this.count(name, 'miss', missed.length);
    const loaded = await this.load(
      loadMisses,
      missed.map((i) => requests[i]!),
    );
    const fills: FillEntry[] = [];
    missed.forEach((i, j) => {
      const value = loaded[j];
      values[i] = value;
      const result = read[i]!;
      if (value === undefined || result.hit) return;
      fills.push({ ...keyed[i]!, stamps: result.stamps, value: codec.encode(value), ttlMs });
    });
    this.fillInBackground(fills);
    return values;
  }

  /** The loader's values, frozen like hits: a caller sees the same kind of value either way. */
  private async load<V>(
    loadMisses: (misses: readonly EntryRequest[]) => Promise<readonly (V | undefined)[]>,
    requests: readonly EntryRequest[],
  ): Promise<(V | undefined)[]> {
    const loaded = await loadMisses(requests);
    if (loaded.length !== requests.length) {
      throw new Error(`a cache loader returned ${loaded.length} values for ${requests.length} requests`);
    }
    return loaded.map((value) => deepFreeze(value));
  }

  /** JSON for Redis (replicas of other Node versions read it too); V8's format in memory (faster). */
  private defaultCodec<V>(): ValueCodec<V> {
    return this.store.kind === 'memory' ? structuredCodec<V>() : jsonCodec<V>();
  }

  /** A hit's value: the one decoded before from the same bytes when there is one, else decoded now, frozen. */
  private decodeEntry<V>(name: string, key: string, codec: ValueCodec<V>, bytes: Buffer): V | undefined {
    if (this.decoded === null) return deepFreeze(this.decode(name, codec, bytes));
    return this.decoded.get(key, bytes, (b) => this.decode(name, codec, b));
  }

  /** A hit that does not decode (a value written by another version of the code) counts as a miss. */
  private decode<V>(name: string, codec: ValueCodec<V>, bytes: Buffer): V | undefined {
    try {
      return codec.decode(bytes);
    } catch (error) {
      this.options.log?.warn(
        { cache: name, err: error instanceof Error ? error.message : String(error) },
        'a cached value did not decode; loading it again',
      );
      return undefined;
    }
  }

  private fillInBackground(fills: FillEntry[]): void {
    if (fills.length === 0 || this.current !== 'enabled') return;
    const fill = this.store.fill(fills).then(
      () => {},
      (error: unknown) => this.failed(error),
    );
    this.pendingFills.add(fill);
    void fill.finally(() => this.pendingFills.delete(fill));
  }

  /** Waits for the fills started so far (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.pendingFills.size > 0) await Promise.all([...this.pendingFills]);
  }

  /**
   * Makes every entry depending on `deps` unreachable, on every replica. Call it after the transaction
   * that changed them committed and before acknowledging the write. Never fails (see the class comment).
   */
  async invalidate(deps: readonly string[]): Promise<void> {
    if (deps.length === 0 || this.closed) return;
    try {
      await this.store.bump([...new Set(deps)]);
      return;
    } catch (error) {
      this.failed(error);
    }
    // The bump may or may not have happened. A new epoch, begun now (after the commit), covers it.
    await this.attemptEpochBump();
  }

  private onHealth(health: StoreHealth): void {
    if (health === 'down') this.failed(null);
    else this.recover();
  }

  private failed(error: unknown): void {
    if (this.closed) return;
    this.failures += 1;
    if (this.current === 'enabled') {
      this.current = 'bypass';
      this.options.log?.warn(
        { err: error instanceof Error ? error.message : 'connection lost' },
        'cache bypassed until Redis is reachable again and a new epoch has begun',
      );
      this.options.onState?.('bypass');
    }
    this.recover();
  }

  /** Starts recovery when it is due: bypassed, connected, and no attempt already running. */
  private recover(): void {
    if (this.closed || this.current === 'enabled' || this.recovering || this.store.health !== 'up') return;
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    this.recovering = true;
    void this.attemptEpochBump().finally(() => {
      this.recovering = false;
      if (this.closed || this.current === 'enabled' || this.retryTimer) return;
      // Still bypassed on a live connection (a timeout, not a disconnection): try again later; a lost
      // connection is retried when it is back (onHealth).
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.recover();
      }, this.recoveryRetryMs);
      this.retryTimer.unref();
    });
  }

  /** One epoch bump; enables the cache when it succeeded and nothing failed meanwhile. Never throws. */
  private async attemptEpochBump(): Promise<void> {
    const failuresBefore = this.failures;
    try {
      await this.store.bumpEpoch();
    } catch (error) {
      this.failed(error);
      return;
    }
    if (this.closed || this.failures !== failuresBefore || this.current === 'enabled') return;
    this.current = 'enabled';
    if (failuresBefore > 0) this.options.log?.info({}, 'cache enabled again: a new epoch has begun');
    this.options.onState?.('enabled');
    for (const resolve of this.waiters) resolve();
    this.waiters.clear();
  }

  private count(cache: string, result: CacheResult, count: number): void {
    this.options.onRequests?.(cache, result, count);
  }

  /**
   * Stops recovery, waits for fills in flight, and closes the store. Close it after the last write has
   * been acknowledged: a closed cache can no longer invalidate anything.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    this.unsubscribe();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.current = 'bypass';
    await this.store.close();
  }
}
