import type {
  ContainerMappingInput,
  FlowCollectionItemInput,
  FlowInput,
  VideoEssenceInput,
} from '../__generated__/resolvers-types.js';
import { DomainError } from '../errors.js';
import { FORMAT_URN } from './content-format.js';
import {
  checkDescription,
  checkId,
  checkInteger,
  checkLabel,
  checkMime,
  checkRational,
  checkTags,
  checkText,
} from './validation.js';

/**
 * A validated FlowInput as the columns it is stored in. Open-ended parts (essence parameters, container
 * mappings, segment duration) are stored in their TAMS 7.0 JSON shape (snake_case), so events and the
 * REST shim render them without another mapping. Null is "the client did not set it": no default is
 * filled in here, so a flow comes back with exactly the optional properties its client gave (`tags: {}`
 * and `read_only: false` included, when given).
 */
export interface FlowFields {
  source_id: string;
  format: string;
  codec: string | null;
  container: string | null;
  label: string | null;
  description: string | null;
  tags: Record<string, string> | null;
  read_only: boolean | null;
  generation: number | null;
  frame_width: number | null;
  frame_height: number | null;
  essence_parameters: Record<string, unknown> | null;
  segment_duration: { numerator: number; denominator: number } | null;
  container_mapping: Record<string, unknown> | null;
  avg_bit_rate: number | null;
  max_bit_rate: number | null;
  extra: Record<string, unknown> | null;
  created_by: string | null;
  updated_by: string | null;
}

export interface CollectionItem {
  id: string;
  role: string;
  container_mapping: Record<string, unknown> | null;
}

/** Flow properties this schema models; `additionalProperties` may not smuggle them in. */
const MODELLED = new Set([
  'id', 'source_id', 'format', 'codec', 'container', 'label', 'description', 'tags', 'read_only', 'generation',
  'created', 'created_by', 'updated_by', 'metadata_updated', 'metadata_version', 'segments_updated',
  'avg_bit_rate', 'max_bit_rate', 'segment_duration', 'container_mapping', 'essence_parameters', 'timerange',
  'flow_collection', 'collected_by',
]); // prettier-ignore

const VIDEO_UNC_TYPES = new Set(['planar', 'YUYV', 'UYVY', 'AYUV', 'v210', 'v216', 'RGB', 'RGBx', 'xRGB',
  'BGRx', 'xBGR', 'RGBA', 'ARGB', 'BGRA', 'ABGR', 'alpha']); // prettier-ignore
const AUDIO_UNC_TYPES = new Set(['interleaved', 'planar', 'pairs']);
const MXF_PACKAGE_UID =
  /^urn:smpte:umid:[0-9a-fA-F]{8}(.[0-9a-fA-F]{8}){7}$|^urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const CHANNEL_RANGE = /^[0-9]+_[0-9]+$/;

/** Drops null/undefined members so stored JSON carries only what was set. */
function compact(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));
}

function orNull(o: Record<string, unknown>): Record<string, unknown> | null {
  const c = compact(o);
  return Object.keys(c).length ? c : null;
}

function videoEssence(v: VideoEssenceInput): Record<string, unknown> {
  const f = (name: string) => `video.${name}`;
  if (v.uncType != null && !VIDEO_UNC_TYPES.has(v.uncType))
    throw new DomainError(
      'BAD_REQUEST',
      `${f('uncType')}: expected one of ${[...VIDEO_UNC_TYPES].join(', ')}`,
    );
  return compact({
    frame_rate: checkRational(v.frameRate, f('frameRate')),
    frame_width: checkInteger(v.frameWidth, f('frameWidth'), 1),
    frame_height: checkInteger(v.frameHeight, f('frameHeight'), 1),
    bit_depth: checkInteger(v.bitDepth, f('bitDepth'), 1),
    interlace_mode: v.interlaceMode?.toLowerCase(),
    colorspace: v.colorspace,
    transfer_characteristic: v.transferCharacteristic,
    aspect_ratio: checkRational(v.aspectRatio, f('aspectRatio')),
    pixel_aspect_ratio: checkRational(v.pixelAspectRatio, f('pixelAspectRatio')),
    component_type: v.componentType === 'YCBCR' ? 'YCbCr' : v.componentType,
    horiz_chroma_subs: checkInteger(v.horizChromaSubs, f('horizChromaSubs'), 1),
    vert_chroma_subs: checkInteger(v.vertChromaSubs, f('vertChromaSubs'), 1),
    unc_parameters: v.uncType == null ? null : { unc_type: v.uncType },
    avc_parameters: v.avcParameters
      ? { profile: v.avcParameters.profile, level: v.avcParameters.level, flags: v.avcParameters.flags }
      : null,
  });
}

function essenceParameters(input: FlowInput): Record<string, unknown> | null {
  const given = (['video', 'audio', 'image', 'data'] as const).filter((k) => input[k] != null);
  const expected = ({ VIDEO: 'video', AUDIO: 'audio', IMAGE: 'image', DATA: 'data', MULTI: null } as const)[
    input.format
  ];
  if (given.some((k) => k !== expected))
    throw new DomainError(
      'BAD_REQUEST',
      `a ${input.format} flow takes ${expected ? `only "${expected}" essence parameters` : 'no essence parameters'}, got ${given.join(', ')}`,
    );
  if (expected !== null && expected !== 'data' && !given.includes(expected))
    throw new DomainError('BAD_REQUEST', `a ${input.format} flow needs "${expected}" essence parameters`);
  if (input.video) return videoEssence(input.video);
  if (input.audio) {
    const a = input.audio;
    if (a.uncType != null && !AUDIO_UNC_TYPES.has(a.uncType))
      throw new DomainError(
        'BAD_REQUEST',
        `audio.uncType: expected one of ${[...AUDIO_UNC_TYPES].join(', ')}`,
      );
    return compact({
      sample_rate: checkInteger(a.sampleRate, 'audio.sampleRate', 1),
      channels: checkInteger(a.channels, 'audio.channels', 1),
      bit_depth: checkInteger(a.bitDepth, 'audio.bitDepth', 1),
      codec_parameters: orNull({
        coded_frame_size: checkInteger(a.codedFrameSize, 'audio.codedFrameSize', 0),
        mp4_oti: checkInteger(a.mp4Oti, 'audio.mp4Oti', 0),
      }),
      unc_parameters: a.uncType == null ? null : { unc_type: a.uncType },
    });
  }
  if (input.image)
    return compact({
      frame_width: checkInteger(input.image.frameWidth, 'image.frameWidth', 1),
      frame_height: checkInteger(input.image.frameHeight, 'image.frameHeight', 1),
      aspect_ratio: checkRational(input.image.aspectRatio, 'image.aspectRatio'),
    });
  if (input.format === 'DATA')
    return compact({ data_type: checkText(input.data?.dataType, 'data.dataType', 1024) });
  return null;
}

export function containerMapping(m: ContainerMappingInput | null | undefined, field: string) {
  if (m === null || m === undefined) return null;
  if (m.mxfPackageUid != null && !MXF_PACKAGE_UID.test(m.mxfPackageUid))
    throw new DomainError('BAD_REQUEST', `${field}.mxfPackageUid: expected a SMPTE UMID or urn:uuid`);
  const track = m.audioTrack;
  if (track?.channelRange != null && !CHANNEL_RANGE.test(track.channelRange))
    throw new DomainError(
      'BAD_REQUEST',
      `${field}.audioTrack.channelRange: expected "first_last", e.g. "0_1"`,
    );
  if (track?.channelNumbers != null) {
    if (track.channelNumbers.length === 0)
      throw new DomainError('BAD_REQUEST', `${field}.audioTrack.channelNumbers: give at least one channel`);
    track.channelNumbers.forEach((n, i) => checkInteger(n, `${field}.audioTrack.channelNumbers[${i}]`, 0));
  }
  // An empty mapping (or audio track) the client gave is kept as `{}`: it was set. The other nested
  // objects are flattened in the GraphQL input, so an empty one cannot be told from an absent one.
  return compact({
    track_index: checkInteger(m.trackIndex, `${field}.trackIndex`, 0),
    format_track_index: checkInteger(m.formatTrackIndex, `${field}.formatTrackIndex`, 0),
    audio_track: track
      ? compact({ channel_numbers: track.channelNumbers, channel_range: track.channelRange })
      : null,
    mp2ts_container: m.mp2tsPid == null ? null : { pid: checkInteger(m.mp2tsPid, `${field}.mp2tsPid`, 0) },
    mxf_container: orNull({
      package_uid: m.mxfPackageUid,
      track_id: checkInteger(m.mxfTrackId, `${field}.mxfTrackId`, 0),
    }),
    isobmff_container:
      m.isobmffTrackId == null
        ? null
        : { track_id: checkInteger(m.isobmffTrackId, `${field}.isobmffTrackId`, 0) },
  });
}

export function collectionItems(items: readonly FlowCollectionItemInput[], flowId: string): CollectionItem[] {
  return items.map((item, i) => {
    const id = checkId(item.id, `flowCollection[${i}].id`);
    if (id === flowId)
      throw new DomainError('BAD_REQUEST', `flowCollection[${i}]: a flow cannot collect itself`);
    const role = checkText(item.role, `flowCollection[${i}].role`, 1024)!;
    return {
      id,
      role,
      container_mapping: containerMapping(item.containerMapping, `flowCollection[${i}].containerMapping`),
    };
  });
}

function additional(value: unknown): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || Array.isArray(value))
    throw new DomainError('BAD_REQUEST', 'additionalProperties: expected a JSON object');
  const clash = Object.keys(value).filter((k) => MODELLED.has(k));
  if (clash.length)
    throw new DomainError(
      'BAD_REQUEST',
      `additionalProperties: ${clash.join(', ')} are flow properties; set them directly`,
    );
  return Object.keys(value).length ? (value as Record<string, unknown>) : null;
}

/** Validates a FlowInput (everything that can be checked without the database). */
export function flowFields(
  input: FlowInput,
  flowId: string,
): { fields: FlowFields; collection: CollectionItem[] | null } {
  const essence = essenceParameters(input);
  if (input.format !== 'MULTI' && input.codec == null)
    throw new DomainError('BAD_REQUEST', `codec: a ${input.format} flow needs a codec (a MIME type)`);
  const dims = input.video ?? input.image;
  return {
    fields: {
      source_id: checkId(input.sourceId, 'sourceId'),
      format: FORMAT_URN[input.format],
      codec: checkMime(input.codec, 'codec'),
      container: checkMime(input.container, 'container'),
      label: input.label == null ? null : checkLabel(input.label),
      description: input.description == null ? null : checkDescription(input.description),
      tags: input.tags == null ? null : checkTags(input.tags),
      read_only: input.readOnly ?? null,
      generation: checkInteger(input.generation, 'generation', 0),
      frame_width: dims?.frameWidth ?? null,
      frame_height: dims?.frameHeight ?? null,
      essence_parameters: essence,
      segment_duration: checkRational(input.segmentDuration, 'segmentDuration'),
      container_mapping: containerMapping(input.containerMapping, 'containerMapping'),
      avg_bit_rate: checkInteger(input.avgBitRate, 'avgBitRate', 0),
      max_bit_rate: checkInteger(input.maxBitRate, 'maxBitRate', 0),
      extra: additional(input.additionalProperties),
      created_by: checkText(input.createdBy, 'createdBy', 1024),
      updated_by: checkText(input.updatedBy, 'updatedBy', 1024),
    },
    collection: input.flowCollection == null ? null : collectionItems(input.flowCollection, flowId),
  };
}
