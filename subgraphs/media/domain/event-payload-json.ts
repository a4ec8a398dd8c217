import type { Row } from '../../../lib/executor/index.js';
import { formatTimeRange, formatTimestamp } from '../../../lib/tams/index.js';

/**
 * Entities as TAMS 7.0 JSON, for event payloads written to the outbox (webhooks deliver them as they
 * are). Properties that are unset are omitted, as the 7.0 schemas expect: the same shape as the REST
 * shim's (gateway/rest/to-tams-json.ts), which reaches it through GraphQL.
 */

type Json = Record<string, unknown>;

/** Drops null and undefined members (7.0 omits unset properties). */
export function defined(o: Json): Json {
  // A loop, not fromEntries(entries().filter()): this runs for every segment of every REST listing.
  const out: Json = {};
  for (const key of Object.keys(o)) {
    const value = o[key];
    if (value === null || value === undefined) continue;
    // A client's own "__proto__" member (flow `extra`) stays a member, as fromEntries kept it.
    if (key === '__proto__')
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    else out[key] = value;
  }
  return out;
}

export function flowJson(
  flow: Row<'flows'>,
  collection: readonly Row<'flow_collection_items'>[],
  collectedBy: readonly string[],
): Json {
  return defined({
    ...(flow.extra as Json | null),
    id: flow.id,
    source_id: flow.source_id,
    format: flow.format,
    codec: flow.codec,
    container: flow.container,
    label: flow.label,
    description: flow.description,
    tags: flow.tags,
    read_only: flow.read_only,
    generation: flow.generation,
    created: flow.created.toISOString(),
    created_by: flow.created_by,
    updated_by: flow.updated_by,
    metadata_updated: flow.metadata_updated.toISOString(),
    metadata_version: flow.metadata_version,
    segments_updated: flow.segments_updated?.toISOString(),
    avg_bit_rate: flow.avg_bit_rate,
    max_bit_rate: flow.max_bit_rate,
    segment_duration: flow.segment_duration,
    container_mapping: flow.container_mapping,
    essence_parameters: flow.essence_parameters,
    // Set (possibly to []) or not set at all: the flag tells an empty collection from none.
    flow_collection: flow.flow_collection_set
      ? collection.map((i) =>
          defined({ id: i.member_id, role: i.role, container_mapping: i.container_mapping }),
        )
      : undefined,
    collected_by: collectedBy.length ? collectedBy : undefined,
  });
}

export function sourceJson(
  source: Row<'sources'>,
  sourceCollection: readonly { id: string; role: string }[],
  collectedBy: readonly string[],
): Json {
  return defined({
    id: source.id,
    format: source.format,
    label: source.label,
    description: source.description,
    tags: source.tags,
    created: source.created.toISOString(),
    created_by: source.created_by,
    updated: source.updated.toISOString(),
    updated_by: source.updated_by,
    source_collection: sourceCollection.length ? sourceCollection : undefined,
    collected_by: collectedBy.length ? collectedBy : undefined,
  });
}

/**
 * A segment as stored: the webhook dispatcher adds the controlled get_urls (freshly presigned, filtered
 * per webhook) when it delivers, so a delayed delivery never carries an expired URL.
 */
export function segmentJson(segment: Row<'segments'>): Json {
  return defined({
    object_id: segment.object_id,
    timerange: formatTimeRange(segment.timerange),
    ts_offset: formatTimestamp(segment.ts_offset),
    last_duration: segment.last_duration === null ? null : formatTimestamp(segment.last_duration),
    sample_offset: segment.sample_offset === null ? null : Number(segment.sample_offset),
    sample_count: segment.sample_count === null ? null : Number(segment.sample_count),
    key_frame_count: segment.key_frame_count === null ? null : Number(segment.key_frame_count),
    get_urls: (segment.get_urls as { url: string; label?: string }[] | null)?.map((u) =>
      defined({ url: u.url, label: u.label, controlled: false }),
    ),
  });
}
