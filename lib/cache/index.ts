/**
 * The cache tier (README.md): one store interface, an in-memory store (embedded mode) and a Redis store
 * (shared by replicas), and `CoherentCache`, which callers use and which is never staler than the database.
 */
export type { CacheLog } from './cache-log.js';
export type {
  CacheBytes,
  CacheStore,
  EntryRequest,
  FillEntry,
  ImmutableEntry,
  ReadResult,
  Stamps,
  StoreHealth,
} from './cache-store.js';
export { CoherentCache } from './coherent-cache.js';
export type {
  CacheResult,
  CacheSpace,
  CacheState,
  CoherentCacheOptions,
  ImmutableSpace,
  SpaceOptions,
} from './coherent-cache.js';
export { MemoryStore } from './memory-store.js';
export type { MemoryStoreOptions } from './memory-store.js';
export { RedisStore } from './redis-store.js';
export type { RedisStoreOptions } from './redis-store.js';
export { VersionWatchedStore } from './watched-store.js';
export { jsonCodec, structuredCodec } from './value-codec.js';
export type { ValueCodec } from './value-codec.js';
