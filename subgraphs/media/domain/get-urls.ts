import type { Row } from '../../../lib/executor/index.js';
import type { ObjectStore } from '../../../lib/objects/index.js';
import { ObjectStoreError } from '../../../lib/objects/index.js';
import type { MediaRepository } from './repository.js';

/**
 * A segment's get_urls (7.0 §6.2): the controlled URL of the object's copy on this store's backend
 * (presigned, expiring) first, then the uncontrolled URLs the client registered, filtered with the three
 * 7.0 filters ANDed.
 */
export interface GetUrlView {
  readonly url: string;
  readonly label: string | null;
  readonly presigned: boolean;
  readonly controlled: boolean;
  readonly storageId: string | null;
  readonly storeType: string | null;
  readonly provider: string | null;
  readonly region: string | null;
  readonly availabilityZone: string | null;
  readonly storeProduct: string | null;
}

export interface GetUrlFilter {
  /** `accept_get_urls`: undefined = no filter; an empty list = no URLs at all. */
  readonly acceptLabels?: readonly string[] | null;
  /** `accept_storage_ids`: undefined or empty = no filter. */
  readonly acceptStorageIds?: readonly string[] | null;
  /** `presigned`: true keeps presigned URLs only, false unpresigned only. */
  readonly presigned?: boolean | null;
}

export function segmentGetUrls(
  repository: MediaRepository,
  segment: Pick<Row<'segments'>, 'object_id' | 'get_urls'>,
  object: Pick<Row<'objects'>, 'storage_id'> | null,
  filter: GetUrlFilter,
): GetUrlView[] {
  const urls: GetUrlView[] = [];
  const binding = object?.storage_id ? repository.storage.byId(object.storage_id) : undefined;
  const controlledUrl = binding && presignGet(repository, binding.store, segment.object_id);
  if (binding && controlledUrl !== undefined) {
    const b = binding.backend;
    urls.push({
      url: controlledUrl,
      label: b.label,
      presigned: true,
      controlled: true,
      storageId: b.id,
      storeType: b.store_type,
      provider: b.provider,
      region: b.region,
      availabilityZone: b.availability_zone,
      storeProduct: b.store_product,
    });
  }
  for (const u of (segment.get_urls as { url: string; label?: string }[] | null) ?? [])
    urls.push({
      url: u.url,
      label: u.label ?? null,
      presigned: false,
      controlled: false,
      storageId: null,
      storeType: null,
      provider: null,
      region: null,
      availabilityZone: null,
      storeProduct: null,
    });
  const labels = filter.acceptLabels ?? null;
  const storageIds = filter.acceptStorageIds?.length ? filter.acceptStorageIds : null;
  return urls.filter(
    (u) =>
      (labels === null || (u.label !== null && labels.includes(u.label))) &&
      (storageIds === null || (u.storageId !== null && storageIds.includes(u.storageId))) &&
      (filter.presigned == null || u.presigned === filter.presigned),
  );
}

/**
 * The controlled URL, or undefined for an object whose id the store can no longer presign: ids are
 * checked when they enter (lib/objects/object-id.ts), but an object stored before a rule was tightened
 * keeps its id. Its segment is still listed, with the client's URLs only, rather than failing the page.
 */
function presignGet(repository: MediaRepository, objects: ObjectStore, objectId: string): string | undefined {
  try {
    return objects.presignGet(objectId, { expiresInSeconds: repository.limits.getUrlSeconds });
  } catch (error) {
    if (!(error instanceof ObjectStoreError && error.code === 'INVALID_OBJECT_ID')) throw error;
    repository.log.warn(
      { err: error, objectId },
      'an object id the store cannot presign; its controlled URL is left out',
    );
    return undefined;
  }
}
