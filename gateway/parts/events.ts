import type { Role } from '../../lib/config/config.js';
import { OutboxFeed } from '../../lib/events/outbox-feed.js';
import type { Executor } from '../../lib/executor/index.js';
import type { Logger } from '../logger.js';
import type { Part } from './part.js';
import { stopsWithNothing } from './part.js';

export interface Events extends Part {
  /** The event bus of this process for subscriptions; absent where no gateway runs or no database is. */
  readonly feed: OutboxFeed | undefined;
}

/**
 * The outbox feed of a gateway role (subscriptions follow it). Started before the media subgraph so
 * that, in one process, a commit wakes it at once instead of at its next poll.
 */
export function startEvents(executor: Executor | undefined, role: Role, log: Logger): Events {
  if (!executor || (role !== 'embedded' && role !== 'gateway'))
    return { name: 'events', feed: undefined, stop: stopsWithNothing };
  const feed = new OutboxFeed(executor, { log: log.child({ component: 'subscriptions' }) });
  return { name: 'events', feed, stop: () => feed.close() };
}
