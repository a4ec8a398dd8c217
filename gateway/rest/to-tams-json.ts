import { getUrlJson } from '../../subgraphs/media/domain/get-url-json.js';
import { defined } from '../../subgraphs/media/domain/event-payload-json.js';
import type {
  ContainerMappingFieldsFragment,
  EssenceParametersFieldsFragment,
  FlowCollectionItemFieldsFragment,
  FlowDeleteRequestFieldsFragment,
  FlowFieldsFragment,
  RationalFieldsFragment,
  SegmentsQuery,
  ServiceQuery,
  SourceFieldsFragment,
  StorageBackendsQuery,
  WebhooksQuery,
} from './__generated__/operations.js';
import {
  COLORSPACE,
  COMPONENT_TYPE,
  DELETE_REQUEST_STATUS,
  FORMAT,
  INTERLACE_MODE,
  TRANSFER_CHARACTERISTIC,
} from './tams-vocabulary.js';

/**
 * Results of the REST shim's operations as TAMS 7.0 JSON: snake_case, exact property names, unset
 * properties omitted (the 7.0 schemas mostly do not allow null), TAMS spellings of enumerations. The
 * reverse of bodies.ts. GraphQL null is "unset", so a property comes back exactly when the client set
 * it, even to `{}`, `[]` or false. Each function takes the fragment its operations select, so tsc
 * checks that every field read here is selected.
 */

type Json = Record<string, unknown>;
type Tag = { name: string; value: string };

export { defined };

function rational(r: RationalFieldsFragment | null): Json | null {
  return r && { numerator: r.numerator, denominator: r.denominator };
}

/** The tag map; null (unset) when GraphQL says the tags were never set. */
export function tagMap(tags: readonly Tag[] | null): Record<string, string> | null {
  return tags && Object.fromEntries(tags.map((t) => [t.name, t.value]));
}

export function containerMappingJson(c: ContainerMappingFieldsFragment | null): Json | null {
  if (!c) return null;
  // A mapping that was set comes back even when empty (`{}`), as the client gave it.
  return defined({
    track_index: c.trackIndex,
    format_track_index: c.formatTrackIndex,
    audio_track: c.audioTrack
      ? defined({ channel_numbers: c.audioTrack.channelNumbers, channel_range: c.audioTrack.channelRange })
      : null,
    mp2ts_container: c.mp2tsPid === null ? null : { pid: c.mp2tsPid },
    mxf_container:
      c.mxfPackageUid === null && c.mxfTrackId === null
        ? null
        : defined({ package_uid: c.mxfPackageUid, track_id: c.mxfTrackId }),
    isobmff_container: c.isobmffTrackId === null ? null : { track_id: c.isobmffTrackId },
  });
}

function essenceJson(e: EssenceParametersFieldsFragment | null): Json | null {
  if (!e) return null;
  switch (e.__typename) {
    case 'VideoEssenceParameters':
      return defined({
        frame_rate: rational(e.frameRate),
        frame_width: e.frameWidth,
        frame_height: e.frameHeight,
        bit_depth: e.bitDepth,
        interlace_mode: e.interlaceMode && INTERLACE_MODE.tamsOf[e.interlaceMode],
        colorspace: e.colorspace && COLORSPACE.tamsOf[e.colorspace],
        transfer_characteristic:
          e.transferCharacteristic && TRANSFER_CHARACTERISTIC.tamsOf[e.transferCharacteristic],
        aspect_ratio: rational(e.aspectRatio),
        pixel_aspect_ratio: rational(e.pixelAspectRatio),
        component_type: e.componentType && COMPONENT_TYPE.tamsOf[e.componentType],
        horiz_chroma_subs: e.horizChromaSubs,
        vert_chroma_subs: e.vertChromaSubs,
        unc_parameters: e.uncType === null ? null : { unc_type: e.uncType },
        avc_parameters: e.avcParameters && {
          profile: e.avcParameters.profile,
          level: e.avcParameters.level,
          flags: e.avcParameters.flags,
        },
      });
    case 'AudioEssenceParameters': {
      const codec = defined({ coded_frame_size: e.codedFrameSize, mp4_oti: e.mp4Oti });
      return defined({
        sample_rate: e.sampleRate,
        channels: e.channels,
        bit_depth: e.bitDepth,
        codec_parameters: Object.keys(codec).length ? codec : null,
        unc_parameters: e.uncType === null ? null : { unc_type: e.uncType },
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
  }
}

export function flowCollectionJson(items: readonly FlowCollectionItemFieldsFragment[]): Json[] {
  return items.map((i) =>
    defined({ id: i.id, role: i.role, container_mapping: containerMappingJson(i.containerMapping) }),
  );
}

/** A flow; its `timerange` only when the operation asked for it. */
export function flowJson(f: FlowFieldsFragment & { timerange?: string }): Json {
  const extra = f.additionalProperties as Json | null;
  return defined({
    ...extra,
    id: f.id,
    source_id: f.sourceId,
    format: FORMAT.tamsOf[f.format],
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
    essence_parameters: essenceJson(f.essenceParameters),
    timerange: f.timerange,
    flow_collection: f.flowCollection && flowCollectionJson(f.flowCollection),
    collected_by: f.collectedBy.length ? f.collectedBy : null,
  });
}

export function sourceJson(s: SourceFieldsFragment): Json {
  return defined({
    id: s.id,
    format: FORMAT.tamsOf[s.format],
    label: s.label,
    description: s.description,
    created_by: s.createdBy,
    updated_by: s.updatedBy,
    created: s.created,
    updated: s.updated,
    tags: tagMap(s.tags),
    source_collection: s.sourceCollection.length
      ? s.sourceCollection.map((i) => ({ id: i.id, role: i.role }))
      : null,
    collected_by: s.collectedBy.length ? s.collectedBy : null,
  });
}

type SegmentNode = SegmentsQuery['segments']['nodes'][number];

/** A segment; without `verbose` its get_urls carry only url, presigned and label (7.0 §6.2). */
export function segmentJson(s: SegmentNode, verbose: boolean): Json {
  return defined({
    object_id: s.objectId,
    timerange: s.timerange,
    ts_offset: s.tsOffset,
    last_duration: s.lastDuration,
    sample_offset: s.sampleOffset,
    sample_count: s.sampleCount,
    key_frame_count: s.keyFrameCount,
    // The same JSON as webhook payloads carry.
    get_urls: s.getUrls.map((u) => getUrlJson(u, verbose)),
  });
}

export function deleteRequestJson(r: FlowDeleteRequestFieldsFragment): Json {
  return defined({
    id: r.id,
    flow_id: r.flowId,
    timerange_to_delete: r.timerangeToDelete,
    timerange_remaining: r.timerangeRemaining,
    delete_flow: r.deleteFlow,
    status: DELETE_REQUEST_STATUS.tamsOf[r.status],
    created: r.created,
    created_by: r.createdBy,
    updated: r.updated,
    expiry: r.expiry,
    error: r.error && { type: r.error.type, summary: r.error.summary, time: r.error.time },
  });
}

export function storageBackendJson(b: StorageBackendsQuery['storageBackends'][number]): Json {
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

export function webhookJson(w: WebhooksQuery['webhooks'][number]): Json {
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

export function serviceJson(s: ServiceQuery['service']): Json {
  return defined({
    type: s.type,
    api_version: s.apiVersion,
    service_version: s.serviceVersion,
    name: s.name,
    description: s.description,
    event_stream_mechanisms: s.eventStreamMechanisms.length
      ? s.eventStreamMechanisms.map((m) => defined({ name: m.name, docs: m.docs, config: m.config }))
      : null,
  });
}
