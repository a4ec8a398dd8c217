import type { GraphQLSchema } from 'graphql';
import type { Executor } from '../../lib/executor/index.js';
import type { MediaContext } from './context.js';
import { createMediaContext } from './context.js';
import { DeletionWorker } from './domain/deletion-worker.js';
import type { DomainLog, MediaLimits, MediaStore } from './domain/store.js';
import { DEFAULT_LIMITS } from './domain/store.js';
import { buildMediaSchema } from './schema.js';
import type { StorageBackendSpec } from './storage-registry.js';
import { StorageRegistry } from './storage-registry.js';

export type { MediaContext } from './context.js';
export type { MediaLimits, MediaStore } from './domain/store.js';
export { ERROR_STATUS, httpStatusOf } from './errors.js';
export type { StorageBackendSpec } from './storage-registry.js';

export interface MediaSubgraphOptions {
  readonly executor: Executor;
  readonly storage: readonly StorageBackendSpec[];
  readonly log: DomainLog;
  /** The store's version, reported as `service_version`. */
  readonly version: string;
  readonly limits?: Partial<MediaLimits>;
  /** Run the background deletion worker in this process (the role that owns the media subgraph does). */
  readonly runWorker?: boolean;
  readonly now?: () => Date;
}

/** The media subgraph, ready to serve: its schema, its domain store and its background worker. */
export interface MediaSubgraph {
  readonly schema: GraphQLSchema;
  readonly store: MediaStore;
  readonly worker: DeletionWorker;
  createContext(principal: string | null): MediaContext;
  close(): Promise<void>;
}

export async function createMediaSubgraph(options: MediaSubgraphOptions): Promise<MediaSubgraph> {
  const storage = await StorageRegistry.open(options.executor, options.storage);
  const store: MediaStore = {
    executor: options.executor,
    storage,
    log: options.log,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    // Webhook delivery arrives with the events dispatcher; until then the mechanism is not advertised.
    service: { version: options.version, eventStreamMechanisms: [] },
    now: options.now ?? (() => new Date()),
  };
  const worker = new DeletionWorker(store);
  if (options.runWorker) worker.start();
  const schema = buildMediaSchema();
  return {
    schema,
    store,
    worker,
    createContext: (principal) =>
      createMediaContext(store, { principal, backgroundWork: () => worker.wake() }),
    async close() {
      await worker.stop();
      await storage.close();
    },
  };
}
