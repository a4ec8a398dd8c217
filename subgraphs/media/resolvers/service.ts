import type { ServiceResolvers, StorageBackendResolvers } from '../__generated__/resolvers-types.js';

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
