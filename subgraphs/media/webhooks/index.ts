/** Webhook delivery of the media domain's TAMS 7.0 events from the outbox (README.md). */
export { createPublicOnlyFetch } from './guarded-fetch.js';
export { createWebhookDispatcher, WEBHOOK_CONSUMER, WebhookDispatcher } from './webhook-dispatcher.js';
export type { WebhookDispatcherOptions } from './webhook-dispatcher.js';
export type { WebhookEnvelope } from './webhook-envelope.js';
