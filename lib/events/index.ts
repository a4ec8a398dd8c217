/**
 * The event stream, neutral of transport and domain: the outbox feed that hands committed events to
 * in-process listeners (README.md). Webhook delivery is the media domain's (subgraphs/media/webhooks).
 */
export { OutboxFeed } from './outbox-feed.js';
export type { FeedEvent, FeedListener, OutboxFeedOptions } from './outbox-feed.js';
