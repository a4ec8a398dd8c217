import { getUrlJson } from '../../lib/events/get-url-json.js';
import type { GetUrlView } from '../../subgraphs/media/domain/get-urls.js';
import { FORMAT_URN } from '../../subgraphs/media/domain/content-format.js';
import { defined } from '../../subgraphs/media/domain/tams-json.js';

/**
 * GraphQL results as TAMS 7.0 JSON: snake_case, exact property names, unset properties omitted (the
 * 7.0 schemas mostly do not allow null), URNs for formats. The reverse of rest/bodies.ts. GraphQL null
 * is "unset", so a property comes back exactly when the client set it, even to `{}`, `[]` or false.
 */

type Json = Record<string, unknown>;
type Gql = Record<string, unknown>;

export { defined };

const FORMATS = FORMAT_URN as Record<string, string>;

function rational(r: unknown): Json | null {
  const v = r as { numerator: number; denominator: number } | null;
  return v ? { numerator: v.numerator, denominator: v.denominator } : null;
}

type TagList = { name: string; value: string }[] | null | undefined;

/** The tag map; null (unset) when GraphQL says the tags were never set. */
export function tagMap(list: unknown): Record<string, string> | null {
  const tags = list as TagList;
  return tags ? Object.fromEntries(tags.map((t) => [t.name, t.value])) : null;
}

/** One tag's value, undefined when absent (looked up in the list: names such as `constructor` are tags too). */
export function tagValue(list: unknown, name: string): string | undefined {
  return (list as TagList)?.find((t) => t.name === name)?.value;
}

export function containerMappingJson(m: unknown): Json | null {
  const c = m as Gql | null;
  if (!c) return null;
  const audio = c.audioTrack as Gql | null;
  // A mapping that was set comes back even when empty (`{}`), as the client gave it.
  return defined({
    track_index: c.trackIndex,
    format_track_index: c.formatTrackIndex,
    audio_track: audio
      ? defined({ channel_numbers: audio.channelNumbers, channel_range: audio.channelRange })
      : null,
    mp2ts_container: c.mp2tsPid == null ? null : { pid: c.mp2tsPid },
    mxf_container:
      c.mxfPackageUid == null && c.mxfTrackId == null
        ? null
        : defined({ package_uid: c.mxfPackageUid, track_id: c.mxfTrackId }),
    isobmff_container: c.isobmffTrackId == null ? null : { track_id: c.isobmffTrackId },
  });
}

function essenceJson(e: Gql | null): Json | null {
  if (!e) return null;
  switch (e.__typename) {
    case 'VideoEssenceParameters': {
      const avc = e.avcParameters as Gql | null;
      return defined({
        frame_rate: rational(e.frameRate),
        frame_width: e.frameWidth,
        frame_height: e.frameHeight,
        bit_depth: e.bitDepth,
        interlace_mode: typeof e.interlaceMode === 'string' ? e.interlaceMode.toLowerCase() : null,
        colorspace: e.colorspace,
        transfer_characteristic: e.transferCharacteristic,
        aspect_ratio: rational(e.aspectRatio),
        pixel_aspect_ratio: rational(e.pixelAspectRatio),
        component_type: e.componentType === 'YCBCR' ? 'YCbCr' : e.componentType,
        horiz_chroma_subs: e.horizChromaSubs,
        vert_chroma_subs: e.vertChromaSubs,
        unc_parameters: e.uncType == null ? null : { unc_type: e.uncType },
        avc_parameters: avc ? { profile: avc.profile, level: avc.level, flags: avc.flags } : null,
      });
    }
    case 'AudioEssenceParameters': {
      const codec = defined({ coded_frame_size: e.codedFrameSize, mp4_oti: e.mp4Oti });
      return defined({
        sample_rate: e.sampleRate,
        channels: e.channels,
        bit_depth: e.bitDepth,
        codec_parameters: Object.keys(codec).length ? codec : null,
        unc_parameters: e.uncType == null ? null : { unc_type: e.uncType },
      });
    }
    case 'ImageEssenceParameters':
      return defined({
        frame_width: e.frameWidth,
        frame_height: e.frameHeight,
        aspect_ratio: rational(e.aspectRatio),
      });
    case 'DataEssenceParameters':
      return defined({ data_type: e.dataType });
    default:
      return null;
  }
}

export function flowJson(f: Gql): Json {
  const collection = f.flowCollection as Gql[] | null;
  const collectedBy = (f.collectedBy as string[] | null) ?? [];
  return defined({
    ...((f.additionalProperties as Json | null) ?? {}),
    id: f.id,
    source_id: f.sourceId,
    format: FORMATS[f.format as string],
    codec: f.codec,
    container: f.container,
    label: f.label,
    description: f.description,
    tags: tagMap(f.tags),
    read_only: f.readOnly,
    generation: f.generation,
    created: f.created,
    created_by: f.createdBy,
    updated_by: f.updatedBy,
    metadata_updated: f.metadataUpdated,
    metadata_version: f.metadataVersion,
    segments_updated: f.segmentsUpdated,
    avg_bit_rate: f.avgBitRate,
    max_bit_rate: f.maxBitRate,
    segment_duration: rational(f.segmentDuration),
    container_mapping: containerMappingJson(f.containerMapping),
    essence_parameters: essenceJson(f.essenceParameters as Gql | null),
    timerange: f.timerange,
    flow_collection: collection?.map((i) =>
      defined({ id: i.id, role: i.role, container_mapping: containerMappingJson(i.containerMapping) }),
    ),
    collected_by: collectedBy.length ? collectedBy : null,
  });
}

export function sourceJson(s: Gql): Json {
  const collection = (s.sourceCollection as Gql[] | null) ?? [];
  const collectedBy = (s.collectedBy as string[] | null) ?? [];
  return defined({
    id: s.id,
    format: FORMATS[s.format as string],
    label: s.label,
    description: s.description,
    created_by: s.createdBy,
    updated_by: s.updatedBy,
    created: s.created,
    updated: s.updated,
    tags: tagMap(s.tags),
    source_collection: collection.length ? collection.map((i) => ({ id: i.id, role: i.role })) : null,
    collected_by: collectedBy.length ? collectedBy : null,
  });
}

/** A segment; without `verbose` its get_urls carry only url, presigned and label (7.0 §6.2). */
export function segmentJson(s: Gql, verbose: boolean): Json {
  // The same JSON as webhook payloads carry (the REST document selects every GetUrl field).
  const urls = (s.getUrls as GetUrlView[]).map((u) => getUrlJson(u, verbose));
  return defined({
    object_id: s.objectId,
    timerange: s.timerange,
    ts_offset: s.tsOffset,
    last_duration: s.lastDuration,
    sample_offset: s.sampleOffset,
    sample_count: s.sampleCount,
    key_frame_count: s.keyFrameCount,
    get_urls: urls,
  });
}

export function deleteRequestJson(r: Gql): Json {
  const error = r.error as Gql | null;
  return defined({
    id: r.id,
    flow_id: r.flowId,
    timerange_to_delete: r.timerangeToDelete,
    timerange_remaining: r.timerangeRemaining,
    delete_flow: r.deleteFlow,
    status: typeof r.status === 'string' ? r.status.toLowerCase() : r.status,
    created: r.created,
    created_by: r.createdBy,
    updated: r.updated,
    expiry: r.expiry,
    error: error ? { type: error.type, summary: error.summary, time: error.time } : null,
  });
}

export function storageBackendJson(b: Gql): Json {
  return defined({
    id: b.id,
    store_type: b.storeType,
    provider: b.provider,
    store_product: b.storeProduct,
    label: b.label,
    region: b.region,
    availability_zone: b.availabilityZone,
    default_storage: b.defaultStorage,
  });
}

export function webhookJson(w: Gql): Json {
  return defined({
    url: w.url,
    api_key_name: w.apiKeyName,
    events: w.events,
    flow_ids: w.flowIds,
    source_ids: w.sourceIds,
    flow_collected_by_ids: w.flowCollectedByIds,
    source_collected_by_ids: w.sourceCollectedByIds,
    accept_get_urls: w.acceptGetUrls,
    accept_storage_ids: w.acceptStorageIds,
    presigned: w.presigned,
    verbose_storage: w.verboseStorage,
  });
}

export function serviceJson(s: Gql): Json {
  const mechanisms = (s.eventStreamMechanisms as Gql[] | null) ?? [];
  return defined({
    type: s.type,
    api_version: s.apiVersion,
    service_version: s.serviceVersion,
    name: s.name,
    description: s.description,
    event_stream_mechanisms: mechanisms.length
      ? mechanisms.map((m) => defined({ name: m.name, docs: m.docs, config: m.config }))
      : null,
  });
}
