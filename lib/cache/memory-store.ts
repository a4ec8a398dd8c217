import { LRUCache } from 'lru-cache';
import type {
  CacheBytes,
  CacheStore,
  EntryRequest,
  FillEntry,
  ImmutableEntry,
  ReadResult,
  StoreHealth,
} from './cache-store.js';

export interface MemoryStoreOptions {
  /** Entries kept at most (least recently used go first). Default 10,000. */
  readonly maxEntries?: number;
  /** Dependency stamps kept at most; a forgotten stamp is drawn anew, which only costs misses. Default 4 × maxEntries. */
  readonly maxStamps?: number;
  /** Immutable entries kept at most. Default 10,000. */
  readonly maxImmutable?: number;
}

interface MemoryEntry {
  readonly value: Buffer;
  readonly epoch: string;
  /** dependency → the stamp the fill recorded. */
  readonly deps: ReadonlyMap<string, string>;
}

const bytes = (value: CacheBytes): Buffer => Buffer.from(value);

/**
 * The cache of one process (embedded mode): the same protocol as the Redis store, in memory, so one
 * contract suite holds both. Stamps come from one counter that only grows, so a forgotten stamp is
 * never re-issued. Bounded by entry counts; expiry is checked on access, so no timer keeps the
 * process alive. Values are copied in and out: a caller mutating a returned Buffer changes nothing.
 */
export class MemoryStore implements CacheStore {
  readonly kind = 'memory';
  readonly health: StoreHealth = 'up';
  private readonly entries: LRUCache<string, MemoryEntry>;
  private readonly stamps: LRUCache<string, string>;
  private readonly immutables: LRUCache<string, Buffer>;
  private seq = BigInt(Date.now()) * 1000n;
  private epoch = this.draw();

  constructor(options: MemoryStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? 10_000;
    this.entries = new LRUCache({ max: maxEntries });
    this.stamps = new LRUCache({ max: options.maxStamps ?? 4 * maxEntries });
    this.immutables = new LRUCache({ max: options.maxImmutable ?? 10_000 });
  }

  private draw(): string {
    this.seq += 1n;
    return this.seq.toString();
  }

  private stampOf(dep: string): string {
    let stamp = this.stamps.get(dep);
    if (stamp === undefined) {
      stamp = this.draw();
      this.stamps.set(dep, stamp);
    }
    return stamp;
  }

  read(requests: readonly EntryRequest[]): Promise<ReadResult[]> {
    return Promise.resolve(
      requests.map((request): ReadResult => {
        const stamps = request.deps.map((dep) => this.stampOf(dep));
        const entry = this.entries.get(request.key);
        const valid =
          entry !== undefined &&
          entry.epoch === this.epoch &&
          entry.deps.size === request.deps.length &&
          request.deps.every((dep, i) => entry.deps.get(dep) === stamps[i]);
        return valid
          ? { hit: true, value: Buffer.from(entry.value) }
          : { hit: false, stamps: { epoch: this.epoch, deps: stamps } };
      }),
    );
  }

  fill(entries: readonly FillEntry[]): Promise<void> {
    for (const entry of entries) {
      const current =
        entry.stamps.epoch === this.epoch &&
        entry.stamps.deps.length === entry.deps.length &&
        entry.deps.every((dep, i) => this.stamps.peek(dep) === entry.stamps.deps[i]);
      if (!current) continue;
      this.entries.set(
        entry.key,
        {
          value: bytes(entry.value),
          epoch: entry.stamps.epoch,
          deps: new Map(entry.deps.map((dep, i) => [dep, entry.stamps.deps[i]!])),
        },
        { ttl: entry.ttlMs },
      );
    }
    return Promise.resolve();
  }

  bump(deps: readonly string[]): Promise<void> {
    for (const dep of deps) this.stamps.set(dep, this.draw());
    return Promise.resolve();
  }

  bumpEpoch(): Promise<void> {
    this.epoch = this.draw();
    return Promise.resolve();
  }

  getImmutable(keys: readonly string[]): Promise<(Buffer | undefined)[]> {
    return Promise.resolve(
      keys.map((key) => {
        const value = this.immutables.get(key);
        return value === undefined ? undefined : Buffer.from(value);
      }),
    );
  }

  setImmutable(entries: readonly ImmutableEntry[]): Promise<void> {
    for (const entry of entries) this.immutables.set(entry.key, bytes(entry.value), { ttl: entry.ttlMs });
    return Promise.resolve();
  }

  onHealth(): () => void {
    return () => {};
  }

  close(): Promise<void> {
    this.entries.clear();
    this.stamps.clear();
    this.immutables.clear();
    return Promise.resolve();
  }
}
