import type { GraphQLSchema } from 'graphql';
import type { CoherentCache } from '../../lib/cache/index.js';
import type { Executor } from '../../lib/executor/index.js';
import type { MediaContext } from './context.js';
import { createMediaContext } from './context.js';
import { DeletionWorker } from './domain/deletion-worker.js';
import type { MediaLimits } from './domain/media-limits.js';
import { DEFAULT_LIMITS } from './domain/media-limits.js';
import type { DomainLog, MediaRepository } from './domain/repository.js';
import type { SegmentExportRequest } from './domain/segment-export.js';
import { exportSegments } from './domain/segment-export.js';
import { entityReader } from './entity-cache.js';
import { buildMediaSchema } from './schema.js';
import type { StorageBackendSpec } from './storage-registry.js';
import { StorageRegistry } from './storage-registry.js';
import type { WebhookDispatcher, WebhookDispatcherOptions } from './webhooks/index.js';
import { createPublicOnlyFetch, createWebhookDispatcher } from './webhooks/index.js';
import { deliveryPositions } from './webhooks/delivery-state.js';
import { OutboxPruner } from '../../lib/events/index.js';

export type { MediaContext } from './context.js';
export type { MediaLimits } from './domain/media-limits.js';
export type { MediaRepository } from './domain/repository.js';
export type { SegmentExportRequest } from './domain/segment-export.js';
export { SEGMENT_EXPORT_COLUMNS } from './domain/segment-export.js';
export { ERROR_STATUS, httpStatusOf } from './errors.js';
export type { StorageBackendSpec } from './storage-registry.js';

export interface MediaSubgraphOptions {
  readonly executor: Executor;
  readonly storage: readonly StorageBackendSpec[];
  readonly log: DomainLog;
  /** The store's version, reported as `service_version`. */
  readonly version: string;
  readonly limits?: Partial<MediaLimits>;
  /**
   * Run the background work in this process: the deletion worker and the webhook dispatcher (the role
   * that owns the media subgraph does; several such processes share the dispatching through a lease).
   */
  readonly runWorker?: boolean;
  readonly webhooks?: WebhookDispatcherOptions;
  /** Let webhooks target loopback, private and link-local addresses (refused by default: SSRF). */
  readonly allowPrivateWebhookTargets?: boolean;
  readonly now?: () => Date;
  /** Called after each committed write, after waking the webhook dispatcher; e.g. wakes the outbox feed. */
  readonly afterWrite?: () => void;
  /** The cache shared by the replicas (lib/cache): entity reads go through it, writes invalidate it. */
  readonly cache?: CoherentCache;
  /**
   * With `runWorker`: outbox events every consumer (webhook registrations included) has read are deleted
   * once older than this (ms; lib/events/outbox-pruner.ts). Absent or 0: kept forever.
   */
  readonly outboxRetentionMs?: number;
}

/** The media subgraph, ready to serve: its schema, the domain's repository and its background workers. */
export interface MediaSubgraph {
  readonly schema: GraphQLSchema;
  readonly repository: MediaRepository;
  readonly worker: DeletionWorker;
  readonly webhooks: WebhookDispatcher;
  createContext(principal: string | null, scopes?: ReadonlySet<string>): MediaContext;
  /** The flow's segment index as an Arrow IPC stream (the gateway serves it at /export/flows/{id}/segments). */
  exportSegments(request: SegmentExportRequest): Promise<AsyncIterable<Uint8Array>>;
  close(): Promise<void>;
}

export async function createMediaSubgraph(options: MediaSubgraphOptions): Promise<MediaSubgraph> {
  const storage = await StorageRegistry.open(options.executor, options.storage);
  let wakeWebhooks = () => {};
  const repository: MediaRepository = {
    executor: options.executor,
    storage,
    log: options.log,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    // Webhooks are advertised where they are delivered from.
    service: {
      version: options.version,
      eventStreamMechanisms: options.runWorker ? [{ name: 'webhooks' }] : [],
    },
    now: options.now ?? (() => new Date()),
    allowPrivateWebhookTargets: options.allowPrivateWebhookTargets ?? false,
    afterWrite: () => {
      wakeWebhooks();
      options.afterWrite?.();
    },
    ...(options.cache ? { cache: options.cache } : {}),
  };
  const entities = entityReader(options.executor, options.cache);
  const worker = new DeletionWorker(repository);
  const webhooks = createWebhookDispatcher(repository, {
    log: options.log,
    ...(repository.allowPrivateWebhookTargets ? {} : { fetch: createPublicOnlyFetch() }),
    ...options.webhooks,
  });
  wakeWebhooks = () => webhooks.wake();
  const pruner =
    options.runWorker && options.outboxRetentionMs
      ? new OutboxPruner(options.executor, {
          retentionMs: options.outboxRetentionMs,
          holders: () => deliveryPositions(options.executor),
          now: repository.now,
          onError: (error) => options.log.warn({ err: error }, 'outbox retention pass failed; retried later'),
        })
      : undefined;
  if (options.runWorker) {
    worker.start();
    webhooks.start();
    pruner?.start();
  }
  const schema = buildMediaSchema();
  return {
    schema,
    repository,
    worker,
    webhooks,
    createContext: (principal, scopes) =>
      createMediaContext(repository, {
        principal,
        ...(scopes ? { scopes } : {}),
        backgroundWork: () => worker.wake(),
        entities,
      }),
    exportSegments: (request) => exportSegments(repository, request),
    async close() {
      await pruner?.stop();
      await webhooks.stop();
      await worker.stop();
      await storage.close();
    },
  };
}
