import type { CoherentCache } from '../../lib/cache/index.js';
import { queryHash } from './document-cache.js';

/**
 * Apollo Server's `KeyValueCache<string>`, written out (as `DocumentStore` is): the package that
 * declares it is Apollo's, not ours.
 */
export interface PersistedQueryStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<boolean | void>;
}

/** How long a registered query text is kept after it was last registered (clients register on a miss). */
const PERSISTED_QUERY_TTL_MS = 24 * 60 * 60_000;

/**
 * Apollo Server's store of automatic persisted queries (APQ) in the cache tier: with Redis, a hash one
 * replica was told is known to all of them, so a client behind a load balancer is not sent back to
 * register its query once per replica. A text is addressed by its SHA-256, so no write can make an
 * entry stale; an entry whose text does not hash to its key (a foreign writer) is a miss. Redis away
 * means misses, which APQ clients answer by sending the text again.
 */
export function persistedQueryStore(cache: CoherentCache): PersistedQueryStore {
  const texts = cache.immutable<string>({ name: 'apq.v1', ttlMs: PERSISTED_QUERY_TTL_MS });
  // Apollo's keys are `apq:<sha256 hex>`; keep only the hash (the space names the rest).
  const hashOf = (key: string) => key.slice(key.lastIndexOf(':') + 1);
  return {
    async get(key) {
      const hash = hashOf(key);
      const text = await texts.get(hash);
      return text !== undefined && queryHash(text) === hash ? text : undefined;
    },
    set: (key, text) => texts.set(hashOf(key), text),
    // Content-addressed: nothing ever needs deleting (TTL returns the memory).
    delete: () => Promise.resolve(false),
  };
}
