import type {
  FlowDeleteRequestResolvers,
  ServiceResolvers,
  StorageBackendResolvers,
  WebhookResolvers,
} from '../__generated__/resolvers-types.js';

export const Service: ServiceResolvers = {
  // 7.0: `type` starts with urn:x-tams:service; the API version is always 7.0.
  type: () => 'urn:x-tams:service.tams-gateway',
  apiVersion: () => '7.0',
  serviceVersion: (_, __, ctx) => ctx.repository.service.version,
  eventStreamMechanisms: (_, __, ctx) =>
    ctx.repository.service.eventStreamMechanisms.map((m) => ({
      name: m.name,
      docs: m.docs ?? null,
      config: null,
    })),
};

export const StorageBackend: StorageBackendResolvers = {
  storeType: (b) => b.store_type,
  storeProduct: (b) => b.store_product,
  availabilityZone: (b) => b.availability_zone,
  defaultStorage: (b) => b.default_storage,
};

const list = (v: unknown): string[] | null => (Array.isArray(v) ? (v as string[]) : null);

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

export const FlowDeleteRequest: FlowDeleteRequestResolvers = {
  flowId: (r) => r.flow_id,
  timerangeToDelete: (r) => r.timerange_to_delete,
  timerangeRemaining: (r) => r.timerange_remaining,
  deleteFlow: (r) => r.delete_flow,
  status: (r) => r.status.toUpperCase() as 'CREATED' | 'STARTED' | 'DONE' | 'ERROR',
  createdBy: (r) => r.created_by,
  error: (r) => {
    const e = r.error as { type?: string; summary?: string; time?: string } | null;
    return e
      ? { type: e.type ?? 'Error', summary: e.summary ?? '', time: new Date(e.time ?? r.updated) }
      : null;
  },
};
