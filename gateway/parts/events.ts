import type { Role } from '../../lib/config/config.js';
import { OutboxTail } from '../../lib/events/outbox-tail.js';
import type { Executor } from '../../lib/executor/index.js';
import type { Logger } from '../logger.js';
import type { Part } from './part.js';
import { stopsWithNothing } from './part.js';

export interface Events extends Part {
  /** The event bus of this process for subscriptions; absent where no gateway runs or no database is. */
  readonly tail: OutboxTail | undefined;
}

/**
 * The outbox tail of a gateway role (subscriptions follow it). Started before the media subgraph so
 * that, in one process, a commit wakes it at once instead of at its next poll.
 */
export function startEvents(executor: Executor | undefined, role: Role, log: Logger): Events {
  if (!executor || (role !== 'embedded' && role !== 'gateway'))
    return { name: 'events', tail: undefined, stop: stopsWithNothing };
  const tail = new OutboxTail(executor, { log: log.child({ component: 'subscriptions' }) });
  return { name: 'events', tail, stop: () => tail.close() };
}
