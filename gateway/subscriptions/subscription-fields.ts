import type { FeedEvent } from '../../lib/events/outbox-feed.js';

/**
 * How each `Subscription` field of the schema is served: the root query field that looks its entity up
 * (the derived query runs it with the subscription's own arguments and selection), which events concern
 * the entity with key `id`, and which of them ends the subscription.
 */
export interface SubscriptionField {
  /** The Query field with the same `id` argument that returns the same type. */
  readonly lookup: string;
  concerns(event: FeedEvent, id: string): boolean;
  isFinal(event: FeedEvent): boolean;
}

export const SUBSCRIPTION_FIELDS: Readonly<Record<string, SubscriptionField>> = {
  flowUpdated: {
    lookup: 'flow',
    // flows/created too: a subscriber may wait for a flow that does not exist yet.
    concerns: (event, id) => event.type.startsWith('flows/') && event.flowId === id,
    isFinal: (event) => event.type === 'flows/deleted',
  },
  sourceUpdated: {
    lookup: 'source',
    // A flow's events change its source's `flows` (and analytics computed over them).
    concerns: (event, id) => event.sourceId === id,
    isFinal: (event) => event.type === 'sources/deleted',
  },
};
