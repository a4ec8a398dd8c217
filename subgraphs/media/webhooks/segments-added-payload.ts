import type { MediaRepository } from '../domain/repository.js';
import { segmentGetUrls } from '../domain/get-urls.js';
import { getUrlJson } from '../domain/get-url-json.js';
import type { WebhookRegistration } from './webhook-registration.js';

type Json = Record<string, unknown>;

/**
 * The `flows/segments_added` payload for one registration. The outbox keeps segments as registered,
 * with only the client's uncontrolled URLs; the controlled URL of each object's copy is added here,
 * presigned at delivery so a delayed or retried delivery never carries an expired URL, and then the
 * registration's get_urls options apply exactly as on the segments listing (DIGEST §6.2, §9).
 */
export async function segmentsAddedPayload(
  repository: MediaRepository,
  registration: WebhookRegistration,
  payload: Json,
): Promise<Json> {
  const segments = Array.isArray(payload.segments) ? (payload.segments as Json[]) : [];
  const objectIds = [...new Set(segments.map((s) => String(s.object_id)))];
  const objects = objectIds.length
    ? await repository.executor.lookup('objects', 'id', objectIds, { columns: ['id', 'storage_id'] })
    : [];
  const objectById = new Map(objectIds.map((id, i) => [id, objects[i] ?? null]));
  const filter = {
    acceptLabels: registration.acceptGetUrls,
    acceptStorageIds: registration.acceptStorageIds,
    presigned: registration.presigned,
  };
  return {
    ...payload,
    segments: segments.map((segment) => {
      const { get_urls: uncontrolled, ...rest } = segment;
      const urls = segmentGetUrls(
        repository,
        { object_id: String(segment.object_id), get_urls: uncontrolled ?? null },
        objectById.get(String(segment.object_id)) ?? null,
        filter,
      );
      // No URLs left (e.g. `accept_get_urls: []`): the property is omitted, which 7.0 allows.
      return urls.length
        ? { ...rest, get_urls: urls.map((u) => getUrlJson(u, registration.verboseStorage)) }
        : rest;
    }),
  };
}
