import type { Role } from '../../lib/config/config.js';
import type { EventFeed } from '../../lib/events/event-feed.js';
import { OutboxFeed } from '../../lib/events/outbox-feed.js';
import { StreamFeed } from '../../lib/events/stream-feed.js';
import { StreamFollower } from '../../lib/events/stream-follower.js';
import type { Executor, OutboxEvent } from '../../lib/executor/index.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Part } from './part.js';

export interface Events extends Part {
  /** The event bus of this process for subscriptions; absent where no gateway runs or no database is. */
  readonly feed: EventFeed | undefined;
  /**
   * Publishes the outbox to the Redis bus where this process owns the media subgraph and Redis is
   * configured (one process per deployment acts: the `redis-bus` lease).
   */
  readonly follower: StreamFollower | undefined;
  /** Call after each local commit: wakes the feed and the follower at once instead of at their polls. */
  wake(): void;
}

export interface EventsOptions {
  /** TAMS_REDIS_URL: with it, gateways read the Redis bus instead of each polling the outbox. */
  readonly redisUrl?: string | undefined;
  /** TAMS_OUTBOX_POLL_MS: how often a gateway without the bus reads the outbox for other processes' writes. */
  readonly pollMs?: number;
  /**
   * Awaited by the follower before it publishes each batch: the cache tier's invalidation of the events'
   * dependencies (gateway/parts/cache.ts passes `cache.invalidate(deps)`), a backstop for a writer whose
   * own post-commit invalidation did not reach Redis.
   */
  readonly beforePublish?: (events: readonly OutboxEvent[]) => Promise<void>;
  readonly metrics?: Metrics;
}

/**
 * The events of a process. Gateway roles (embedded, gateway) run a feed for subscriptions: without
 * Redis an `OutboxFeed` polling the outbox, with Redis a `StreamFeed` reading the bus (and the outbox
 * when the bus cannot be trusted). Roles that own the media subgraph (embedded, media) also run a
 * `StreamFollower` when Redis is configured; the lease decides which one publishes. Started before the
 * media subgraph so that, in one process, a commit wakes them at once.
 */
export function startEvents(
  executor: Executor | undefined,
  role: Role,
  log: Logger,
  options: EventsOptions = {},
): Events {
  const { redisUrl, metrics, pollMs } = options;
  const runsGateway = role === 'embedded' || role === 'gateway';
  const ownsMedia = role === 'embedded' || role === 'media';
  const onDelivered = metrics
    ? (source: 'redis' | 'database', _event: unknown, writtenAt: Date) => {
        metrics.busEvents.inc({ source });
        metrics.busLag.set({ stage: 'deliver' }, lagSeconds(writtenAt));
      }
    : undefined;
  const feedLog = log.child({ component: 'subscriptions' });
  let feed: EventFeed | undefined;
  if (executor && runsGateway)
    feed = redisUrl
      ? new StreamFeed(executor, {
          redisUrl,
          log: feedLog,
          ...(pollMs !== undefined ? { pollMs } : {}),
          ...(onDelivered ? { onDelivered } : {}),
        })
      : new OutboxFeed(executor, {
          log: feedLog,
          ...(pollMs !== undefined ? { pollMs } : {}),
          ...(onDelivered ? { onDelivered } : {}),
        });
  let follower: StreamFollower | undefined;
  if (executor && ownsMedia && redisUrl) {
    follower = new StreamFollower(executor, {
      redisUrl,
      log: log.child({ component: 'event-bus' }),
      ...(options.beforePublish ? { beforePublish: options.beforePublish } : {}),
      ...(metrics
        ? {
            onLeadership: (holding: boolean) => metrics.busFollower.set(holding ? 1 : 0),
            onPublished: (_count: number, last: OutboxEvent) =>
              metrics.busLag.set({ stage: 'publish' }, lagSeconds(last.event_timestamp)),
          }
        : {}),
    });
    follower.start();
  }
  return {
    name: 'events',
    feed,
    follower,
    wake() {
      follower?.wake();
      feed?.wake();
    },
    async stop() {
      await Promise.all([feed?.close(), follower?.stop()]);
    },
  };
}

const lagSeconds = (writtenAt: Date): number => Math.max(0, (Date.now() - writtenAt.getTime()) / 1000);
