/**
 * The event stream's consumers. Today: webhook delivery of TAMS 7.0 events from the outbox (README.md).
 */
export { createWebhookDispatcher, WEBHOOK_CONSUMER, WebhookDispatcher } from './webhook-dispatcher.js';
export type { WebhookDispatcherOptions } from './webhook-dispatcher.js';
export type { WebhookEnvelope } from './webhook-envelope.js';
