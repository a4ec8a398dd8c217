import type { Executor, ExecutorOps, Transaction } from '../../../lib/executor/index.js';
import { ExecutorError } from '../../../lib/executor/index.js';
import { toDomainError } from '../errors.js';
import type { StorageRegistry } from '../storage-registry.js';
import type { CollectionReader } from './collections.js';

/** Tunables of the media domain, with the defaults documented in README.md. */
export interface MediaLimits {
  /** Page size when a listing gives none, and the most it may ask for. */
  readonly defaultPageSize: number;
  readonly maxPageSize: number;
  /** Segments deleted while the request waits; more become a background delete request (202). */
  readonly syncDeleteSegments: number;
  /** Lifetime of presigned GET URLs in listings and of PUT URLs from storage allocation. */
  readonly getUrlSeconds: number;
  readonly putUrlSeconds: number;
  /** Allocated objects never registered by a segment may be cleaned up after this long. */
  readonly uploadGraceSeconds: number;
}

export const DEFAULT_LIMITS: MediaLimits = {
  defaultPageSize: 100,
  maxPageSize: 1000,
  syncDeleteSegments: 10_000,
  getUrlSeconds: 3600,
  putUrlSeconds: 3600,
  uploadGraceSeconds: 86_400,
};

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

/** Everything the media domain needs, built once per process. */
export interface MediaStore {
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
}

const ATTEMPTS = 3;

/**
 * Runs a write as one transaction, retrying when the database reports a lost race (deadlock,
 * serialisation, busy), and turns executor errors into domain errors.
 */
export async function write<R>(store: MediaStore, fn: (tx: Transaction) => Promise<R>): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await store.executor.transaction(fn);
      store.afterWrite?.();
      return result;
    } catch (e) {
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
