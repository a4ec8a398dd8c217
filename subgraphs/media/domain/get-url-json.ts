import type { GetUrlView } from './get-urls.js';

/**
 * A get_urls item as TAMS 7.0 JSON (DIGEST §6.2): without `verbose_storage` only `url`, `presigned` and
 * `label`; with it also `storage_id`, `controlled` and the storage backend's metadata. Unset values are
 * omitted (the item schema has `unevaluatedProperties: false` and no nullable fields).
 */
export function getUrlJson(url: GetUrlView, verboseStorage: boolean): Record<string, unknown> {
  const item: Record<string, unknown> = { url: url.url, presigned: url.presigned };
  if (url.label !== null) item.label = url.label;
  if (!verboseStorage) return item;
  item.controlled = url.controlled;
  const metadata: [string, string | null][] = [
    ['storage_id', url.storageId],
    ['store_type', url.storeType],
    ['provider', url.provider],
    ['region', url.region],
    ['availability_zone', url.availabilityZone],
    ['store_product', url.storeProduct],
  ];
  for (const [key, value] of metadata) if (value !== null) item[key] = value;
  return item;
}
