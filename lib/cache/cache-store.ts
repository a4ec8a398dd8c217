/**
 * The cache tier's adapter interface: what the in-memory store (embedded mode) and the Redis store
 * (shared by every replica) both provide, and what `CoherentCache` builds on. The coherence protocol is
 * in README.md; in short, every entry records the epoch and the stamps of its dependencies that were
 * current when its value was read from the database, and is a hit only while all of them still are.
 */

/** A cached value as the store keeps it: opaque bytes (the caller serialises, e.g. with `jsonCodec`). */
export type CacheBytes = Buffer | string;

/**
 * What one entry is keyed by and depends on. A dependency names something a write can change
 * (`flow:<id>`, `source:<id>`, `token:<id>`); a write bumps it after commit, which makes every entry
 * depending on it unreachable. The dependencies must be known before the value is loaded.
 */
export interface EntryRequest {
  readonly key: string;
  /** Distinct names (CoherentCache removes repeats). */
  readonly deps: readonly string[];
}

/**
 * The epoch and dependency stamps a read saw for one entry it missed: the fill must record exactly
 * these (never stamps read later), so a write committed after the read makes the filled entry a miss.
 */
export interface Stamps {
  readonly epoch: string;
  /** One stamp per dependency, in the order of the request's `deps`. */
  readonly deps: readonly string[];
}

export type ReadResult =
  { readonly hit: true; readonly value: Buffer } | { readonly hit: false; readonly stamps: Stamps };

export interface FillEntry extends EntryRequest {
  /** The stamps the read of this entry returned (`ReadResult.stamps`). */
  readonly stamps: Stamps;
  readonly value: CacheBytes;
  readonly ttlMs: number;
}

export interface ImmutableEntry {
  readonly key: string;
  readonly value: CacheBytes;
  readonly ttlMs: number;
}

/** `up`: commands can be sent; `down`: the connection dropped or a command failed. */
export type StoreHealth = 'up' | 'down';

export interface CacheStore {
  readonly kind: 'memory' | 'redis';
  /**
   * One round trip for a batch: per request, the value when the entry exists, carries the current
   * epoch and every dependency's current stamp; otherwise the stamps a fill must record (missing
   * stamps are created, from a sequence that never repeats a value). Results are in request order.
   */
  read(requests: readonly EntryRequest[]): Promise<ReadResult[]>;
  /**
   * One round trip: stores each entry with the stamps its read returned. An entry whose stamps are
   * no longer current is not stored (it could never be a hit).
   */
  fill(entries: readonly FillEntry[]): Promise<void>;
  /** One round trip: gives every dependency a fresh stamp. Call after commit, before acknowledging. */
  bump(deps: readonly string[]): Promise<void>;
  /** Starts a new epoch: no entry stored before it is a hit afterwards (for anyone). */
  bumpEpoch(): Promise<void>;
  /** Content-addressed values (APQ documents by hash): no dependencies, one round trip per batch. */
  getImmutable(keys: readonly string[]): Promise<(Buffer | undefined)[]>;
  setImmutable(entries: readonly ImmutableEntry[]): Promise<void>;
  /** The connection as the store last saw it (a memory store is always up). */
  readonly health: StoreHealth;
  /** Called on every change of health and on every failed command; returns the function that removes it. */
  onHealth(listener: (health: StoreHealth) => void): () => void;
  close(): Promise<void>;
}
