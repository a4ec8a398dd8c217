import type { CoherentCache } from '../../lib/cache/index.js';
import type { Config, Role } from '../../lib/config/config.js';
import type { Executor, QueryMonitor } from '../../lib/executor/index.js';
import type { AnalyticsSubgraph } from '../../subgraphs/analytics/index.js';
import { createAnalyticsSubgraph } from '../../subgraphs/analytics/index.js';
import type { MediaSubgraph } from '../../subgraphs/media/index.js';
import { dependenciesOf } from '../../subgraphs/media/domain/cache-dependencies.js';
import { createMediaSubgraph } from '../../subgraphs/media/index.js';
import type { Logger } from '../logger.js';
import type { LocalSubgraph, OperationContext } from '../operations/index.js';
import type { ObjectStorage } from '../object-storage.js';
import type { Events } from './events.js';
import type { Part } from './part.js';

export interface Subgraphs extends Part {
  readonly media: MediaSubgraph | undefined;
  readonly analytics: AnalyticsSubgraph | undefined;
  /** The subgraphs this process runs, by their name in the supergraph, as the gateway reaches them. */
  readonly local: ReadonlyMap<string, LocalSubgraph>;
}

export interface SubgraphsInput {
  readonly config: Config;
  readonly role: Role;
  readonly version: string;
  readonly log: Logger;
  readonly executor: Executor | undefined;
  readonly storage: ObjectStorage | undefined;
  readonly events: Events;
  /** The cache shared by the replicas, when there is one (parts/cache.ts). */
  readonly cache: CoherentCache | undefined;
  /** This process's query monitor (analytics.queryPerformance). */
  readonly queries?: QueryMonitor;
}

/**
 * The subgraphs this role runs: both (embedded), one (media, analytics), none (gateway). The media
 * subgraph starts its background workers (webhook delivery, deletion) in the process that owns it.
 */
export async function startSubgraphs(input: SubgraphsInput): Promise<Subgraphs> {
  const { config, role, executor, events } = input;
  const media =
    role === 'embedded' || role === 'media'
      ? await createMediaSubgraph({
          executor: executor!,
          storage: [input.storage!.spec],
          log: input.log.child({ component: 'media' }),
          version: input.version,
          runWorker: true,
          limits: { syncDeleteSegments: config.syncDeleteLimit },
          allowPrivateWebhookTargets: config.webhookAllowPrivate,
          afterWrite: () => events.wake(),
          outboxRetentionMs: config.outboxRetentionMs,
          ...(input.cache ? { cache: input.cache } : {}),
        })
      : undefined;
  const analytics =
    role === 'embedded' || role === 'analytics'
      ? createAnalyticsSubgraph(executor!, {
          monitor: input.queries,
          ...(input.cache
            ? { cache: { cache: input.cache, flowDependencies: (id) => dependenciesOf('flow', id) } }
            : {}),
        })
      : undefined;
  const local = new Map<string, LocalSubgraph>();
  if (media)
    local.set('media', {
      schema: media.schema,
      context: (c: OperationContext) => media.createContext(c.caller.principal, c.caller.scopes),
    });
  if (analytics)
    local.set('analytics', {
      schema: analytics.schema,
      context: (c: OperationContext) => analytics.createContext({ admin: c.caller.scopes.has('admin') }),
    });
  return { name: 'subgraphs', media, analytics, local, stop: () => media?.close() ?? Promise.resolve() };
}
