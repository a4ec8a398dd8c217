import type { WebhookResolvers } from '../__generated__/resolvers-types.js';

const list = (v: unknown): string[] | null => (Array.isArray(v) ? (v as string[]) : null);

/** A `webhooks` row as the GraphQL Webhook; the api key value is write-only (no field returns it). */
export const Webhook: WebhookResolvers = {
  apiKeyName: (w) => w.api_key_name,
  events: (w) => list(w.events) ?? [],
  flowIds: (w) => list(w.flow_ids),
  sourceIds: (w) => list(w.source_ids),
  flowCollectedByIds: (w) => list(w.flow_collected_by_ids),
  sourceCollectedByIds: (w) => list(w.source_collected_by_ids),
  acceptGetUrls: (w) => list(w.accept_get_urls),
  acceptStorageIds: (w) => list(w.accept_storage_ids),
  verboseStorage: (w) => w.verbose_storage,
};
