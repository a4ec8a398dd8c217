import type { Config, Role } from '../../lib/config/config.js';
import type { CacheState } from '../../lib/cache/index.js';
import { CoherentCache, MemoryStore, RedisStore, VersionWatchedStore } from '../../lib/cache/index.js';
import { currentReadScope } from '../../lib/executor/index.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Part } from './part.js';

/** What `/health` says of the cache tier. */
export interface CacheHealth {
  /** `redis`: the shared tier; `memory`: this process only (persisted queries); `off`. */
  readonly store: 'redis' | 'memory' | 'off';
  /** Redis: `up` (connected, cache in use), `bypass` (connected, not yet safe to use), `down`. */
  readonly redis?: 'up' | 'bypass' | 'down';
}

export interface CachePart extends Part {
  /**
   * The coherent cache of entities, credentials and analytics answers: Redis, shared by the replicas;
   * or, on SQLite (embedded), a memory store that forgets everything whenever another process commits
   * to the file (`changeVersion`, lib/cache/watched-store.ts). Absent with TAMS_CACHE=off, and on
   * PostgreSQL without Redis (another process's writes could not be seen: the CLI revoking a token).
   */
  readonly coherent: CoherentCache | undefined;
  /**
   * Where persisted queries (APQ) are kept: the shared cache, else a process-local one (a query's text
   * is addressed by its SHA-256, so a local copy can never be stale).
   */
  readonly documents: CoherentCache;
  health(): CacheHealth;
}

/**
 * The cache tier of this process (lib/cache): Redis when TAMS_REDIS_URL is set, shared by every
 * replica; else memory (entities too when the database can say that another process wrote it, else
 * persisted queries only). Started before the database's users (subgraphs, authentication) and stopped
 * after them: a write's invalidation needs the cache open.
 *
 * Why embedded mode caches entities (decision 46): on the request path an SQLite lookup costs 50–100 µs
 * of CPU (cold caches between statements), not the 5–15 µs it takes in a tight loop, and a REST read
 * made five of them (token, principal, flow, window, objects).
 */
export function startCache(
  config: Config,
  role: Role,
  log: Logger,
  metrics: Metrics,
  changeVersion?: () => number,
): CachePart {
  const cacheLog = log.child({ component: 'cache' });
  const onRequests = (cache: string, result: string, n: number) =>
    metrics.cacheRequests.inc({ cache, result }, n);
  if (!config.redisUrl || config.cache === 'off') {
    metrics.redisUp.set(0);
    metrics.redisConfigured.set(0);
    const entities = config.cache === 'on' && changeVersion !== undefined;
    // Checked once per request (its read scope): see VersionWatchedStore.
    const store = entities
      ? new VersionWatchedStore(new MemoryStore(), changeVersion, currentReadScope)
      : new MemoryStore();
    const local = new CoherentCache(store, { onRequests, log: cacheLog });
    return {
      name: 'cache',
      coherent: entities ? local : undefined,
      documents: local,
      health: () => ({ store: config.cache === 'off' ? 'off' : 'memory' }),
      stop: () => local.close(),
    };
  }
  const store = new RedisStore({
    url: config.redisUrl,
    connectionName: `tams-${role}-${process.pid}`,
    log: cacheLog,
  });
  const onState = (state: CacheState) => metrics.redisUp.set(state === 'enabled' ? 1 : 0);
  const shared = new CoherentCache(store, { onRequests, onState, log: cacheLog });
  metrics.redisUp.set(0);
  metrics.redisConfigured.set(1);
  return {
    name: 'cache',
    coherent: shared,
    documents: shared,
    health: () => ({
      store: 'redis',
      redis: store.health === 'down' ? 'down' : shared.state === 'enabled' ? 'up' : 'bypass',
    }),
    stop: () => shared.close(),
  };
}
