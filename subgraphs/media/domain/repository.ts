import type { CoherentCache } from '../../../lib/cache/index.js';
import type { Executor, ExecutorOps, Transaction } from '../../../lib/executor/index.js';
import { ExecutorError } from '../../../lib/executor/index.js';
import { toDomainError } from '../errors.js';
import type { StorageRegistry } from '../storage-registry.js';
import type { CollectionReader } from './collections.js';
import type { MediaLimits } from './media-limits.js';
import { TouchedEntities } from './touched-entities.js';

export interface ServiceDescription {
  readonly version: string;
  /** `event_stream_mechanisms` to advertise (webhooks only once they are delivered). */
  readonly eventStreamMechanisms: readonly { readonly name: string; readonly docs?: string }[];
}

/** Where the domain reports what it cannot hand to a caller (background work); pino fits. */
export interface DomainLog {
  warn(details: Record<string, unknown>, message: string): void;
  error(details: Record<string, unknown>, message: string): void;
}

/**
 * The media domain's access to its data: the database (through the executor) and the object storage
 * backends, with the settings, clock and hooks its rules use. Built once per process and handed to
 * every domain function; `write` below runs a change on it as one transaction.
 */
export interface MediaRepository {
  readonly executor: Executor;
  readonly log: DomainLog;
  readonly storage: StorageRegistry;
  readonly limits: MediaLimits;
  readonly service: ServiceDescription;
  readonly now: () => Date;
  /** Whether webhooks may target loopback, private and link-local addresses (webhooks/webhook-targets.ts). */
  readonly allowPrivateWebhookTargets: boolean;
  /** Called after every committed write (its events are in the outbox), so delivery starts at once. */
  readonly afterWrite?: () => void;
  /**
   * The cache shared by every replica (lib/cache), when there is one: entity reads go through it
   * (loaders.ts) and every write invalidates what it touched before it is acknowledged (`write`).
   */
  readonly cache?: CoherentCache;
}

const ATTEMPTS = 3;

/**
 * Runs a write as one transaction, retrying when the database reports a lost race (deadlock,
 * serialisation, busy), and turns executor errors into domain errors.
 *
 * With a cache, the entities the transaction's statements touched are invalidated after it ends and
 * before this returns (so before the caller acknowledges anything): after a commit, so that no reader
 * can fill the old value under the new stamp; also after a failure, since a commit whose answer was
 * lost (a dropped connection) may have happened. docs/decisions.md, "Entity caching", has the argument.
 */
export async function write<R>(repository: MediaRepository, fn: (tx: Transaction) => Promise<R>): Promise<R> {
  const { cache } = repository;
  for (let attempt = 1; ; attempt++) {
    const touched = cache ? new TouchedEntities() : undefined;
    try {
      const result = await repository.executor.transaction(touched ? (tx) => fn(touched.record(tx)) : fn);
      if (touched) await cache!.invalidate(touched.dependencies);
      repository.afterWrite?.();
      return result;
    } catch (e) {
      if (touched) await cache!.invalidate(touched.dependencies);
      if (e instanceof ExecutorError && e.retryable && attempt < ATTEMPTS) continue;
      throw toDomainError(e);
    }
  }
}

/** A CollectionReader over a transaction (or the executor): plain batched queries. */
export function collectionReader(db: ExecutorOps): CollectionReader {
  return {
    flows: (ids) => db.lookup('flows', 'id', ids),
    flowsOfSources: (ids) => db.lookupMany('flows', 'source_id', ids, { orderBy: [{ column: 'id' }] }),
    itemsOfCollections: (ids) =>
      db.lookupMany('flow_collection_items', 'collection_id', ids, { orderBy: [{ column: 'position' }] }),
    collectionsOfMembers: (ids) => db.lookupMany('flow_collection_items', 'member_id', ids),
  };
}
