/**
 * The event stream, neutral of transport and domain (README.md): the feeds that hand committed events
 * to in-process listeners (the outbox followed directly, or the Redis stream bus), the follower that
 * publishes the outbox to that stream, and the lease that makes one process per deployment run an
 * outbox consumer, and the outbox's retention (outbox-pruner.ts). Webhook delivery is the media domain's (subgraphs/media/webhooks).
 */
export type { DeliveryObserver, EventFeed, FeedEvent, FeedListener, FeedSource } from './event-feed.js';
export { OutboxFeed } from './outbox-feed.js';
export type { OutboxFeedOptions } from './outbox-feed.js';
export { OutboxLease } from './outbox-lease.js';
export { OutboxPruner } from './outbox-pruner.js';
export type { OutboxPrunerOptions, PruneResult } from './outbox-pruner.js';
