import { z } from 'zod';
import { parseTimeRange, parseTimestamp, validateUuid } from '../../lib/tams/index.js';
import { FORMAT_URN } from '../../subgraphs/media/domain/content-format.js';
import { HttpError } from '../http/errors.js';

/**
 * REST request bodies: the 7.0 JSON shapes as schemas written in code (zod), and their translation into
 * the GraphQL inputs. Validation here only concerns the JSON shape, so messages name TAMS properties;
 * the rules (read-only, overlaps, ...) are the subgraph's.
 */

const INT32 = 2_147_483_647;

const uuid = z.string().refine((v) => validateUuid(v).ok, 'expected a lowercase UUID');
const int = (min: number, max = INT32) => z.number().int('expected an integer').min(min).max(max);
const long = (min: number) => z.number().int('expected an integer').min(min).max(Number.MAX_SAFE_INTEGER);
const mime = z.string().regex(/^[^\s/]+\/[^\s/]+$/, 'expected a MIME type such as video/mp2t');
const rational = z.object({ numerator: int(1), denominator: int(1).optional() });
const ratio = z.object({ numerator: int(1), denominator: int(1) });
const timerange = z
  .string()
  .refine((v) => parseTimeRange(v).ok, 'expected a TAMS timerange such as [0:0_10:0)');
const timestamp = z
  .string()
  .refine((v) => parseTimestamp(v).ok, 'expected a TAMS timestamp such as 1:500000000');

const containerMapping = z.object({
  track_index: int(0).optional(),
  format_track_index: int(0).optional(),
  audio_track: z
    .object({
      channel_numbers: z.array(int(0)).min(1).optional(),
      channel_range: z
        .string()
        .regex(/^[0-9]+_[0-9]+$/, 'expected first_last, e.g. 0_1')
        .optional(),
    })
    .optional(),
  mp2ts_container: z.object({ pid: int(0).optional() }).optional(),
  mxf_container: z.object({ package_uid: z.string().optional(), track_id: int(0).optional() }).optional(),
  isobmff_container: z.object({ track_id: int(0).optional() }).optional(),
});

const video = z
  .object({
    frame_rate: rational.optional(),
    frame_width: int(1),
    frame_height: int(1),
    bit_depth: int(1).optional(),
    interlace_mode: z.enum(['progressive', 'interlaced_tff', 'interlaced_bff', 'interlaced_psf']).optional(),
    colorspace: z.enum(['BT601', 'BT709', 'BT2020', 'BT2100']).optional(),
    transfer_characteristic: z.enum(['SDR', 'HLG', 'PQ']).optional(),
    aspect_ratio: ratio.optional(),
    pixel_aspect_ratio: ratio.optional(),
    component_type: z.enum(['YCbCr', 'RGB']).optional(),
    horiz_chroma_subs: int(1).optional(),
    vert_chroma_subs: int(1).optional(),
    unc_parameters: z.object({ unc_type: z.string() }).optional(),
    avc_parameters: z.object({ profile: int(-INT32), level: int(-INT32), flags: int(-INT32) }).optional(),
  })
  .strict();

const audio = z
  .object({
    sample_rate: int(1),
    channels: int(1),
    bit_depth: int(1).optional(),
    codec_parameters: z
      .object({ coded_frame_size: int(0).optional(), mp4_oti: int(0).optional() })
      .optional(),
    unc_parameters: z.object({ unc_type: z.string() }).optional(),
  })
  .strict();

const image = z
  .object({ frame_width: int(1), frame_height: int(1), aspect_ratio: ratio.optional() })
  .strict();
const data = z.object({ data_type: z.string().optional() }).strict();

const FORMATS = Object.entries(FORMAT_URN) as [keyof typeof FORMAT_URN, string][];
const ESSENCE = { VIDEO: video, AUDIO: audio, IMAGE: image, DATA: data } as const;

/** Properties the server manages: ignored in a PUT (7.0 ADR0003, flow-core.json). */
const MANAGED = [
  'created',
  'metadata_updated',
  'segments_updated',
  'metadata_version',
  'timerange',
  'collected_by',
];

const flowBody = z
  .object({
    id: uuid,
    source_id: uuid,
    format: z.enum(FORMATS.map(([, urn]) => urn) as [string, ...string[]]),
    codec: mime.optional(),
    container: mime.optional(),
    label: z.string().optional(),
    description: z.string().optional(),
    created_by: z.string().optional(),
    updated_by: z.string().optional(),
    tags: z.record(z.string(), z.string('tag values are strings in TAMS 7.0')).optional(),
    read_only: z.boolean().optional(),
    generation: int(0).optional(),
    avg_bit_rate: int(0).optional(),
    max_bit_rate: int(0).optional(),
    segment_duration: rational.optional(),
    container_mapping: containerMapping.optional(),
    flow_collection: z
      .array(z.object({ id: uuid, role: z.string(), container_mapping: containerMapping.optional() }))
      .optional(),
    essence_parameters: z.unknown().optional(),
  })
  .passthrough();

function fail(error: z.ZodError, what: string): never {
  const issue = error.issues[0]!;
  const at = issue.path.length ? issue.path.join('.') : what;
  throw new HttpError(400, 'BAD_REQUEST', `${at}: ${issue.message}`);
}

export function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) fail(r.error, what);
  return r.data;
}

function camelRational(r: { numerator: number; denominator?: number } | undefined) {
  return r && { numerator: r.numerator, denominator: r.denominator ?? 1 };
}

function containerMappingInput(m: z.infer<typeof containerMapping> | undefined) {
  if (!m) return undefined;
  return {
    trackIndex: m.track_index,
    formatTrackIndex: m.format_track_index,
    audioTrack: m.audio_track && {
      channelNumbers: m.audio_track.channel_numbers,
      channelRange: m.audio_track.channel_range,
    },
    mp2tsPid: m.mp2ts_container?.pid,
    mxfPackageUid: m.mxf_container?.package_uid,
    mxfTrackId: m.mxf_container?.track_id,
    isobmffTrackId: m.isobmff_container?.track_id,
  };
}

function essenceInput(format: keyof typeof FORMAT_URN, value: unknown): Record<string, unknown> {
  if (format === 'MULTI') {
    if (value !== undefined)
      throw new HttpError(400, 'BAD_REQUEST', 'essence_parameters: a multi-essence flow has none');
    return {};
  }
  if (value === undefined)
    throw new HttpError(400, 'BAD_REQUEST', `essence_parameters: required for a ${FORMAT_URN[format]} flow`);
  const e = parse(ESSENCE[format] as z.ZodType<Record<string, unknown>>, value, 'essence_parameters');
  switch (format) {
    case 'VIDEO': {
      const v = e as z.infer<typeof video>;
      return {
        video: {
          frameRate: camelRational(v.frame_rate),
          frameWidth: v.frame_width,
          frameHeight: v.frame_height,
          bitDepth: v.bit_depth,
          interlaceMode: v.interlace_mode?.toUpperCase(),
          colorspace: v.colorspace,
          transferCharacteristic: v.transfer_characteristic,
          aspectRatio: v.aspect_ratio,
          pixelAspectRatio: v.pixel_aspect_ratio,
          componentType: v.component_type?.toUpperCase(),
          horizChromaSubs: v.horiz_chroma_subs,
          vertChromaSubs: v.vert_chroma_subs,
          uncType: v.unc_parameters?.unc_type,
          avcParameters: v.avc_parameters,
        },
      };
    }
    case 'AUDIO': {
      const a = e as z.infer<typeof audio>;
      return {
        audio: {
          sampleRate: a.sample_rate,
          channels: a.channels,
          bitDepth: a.bit_depth,
          codedFrameSize: a.codec_parameters?.coded_frame_size,
          mp4Oti: a.codec_parameters?.mp4_oti,
          uncType: a.unc_parameters?.unc_type,
        },
      };
    }
    case 'IMAGE': {
      const i = e as z.infer<typeof image>;
      return {
        image: { frameWidth: i.frame_width, frameHeight: i.frame_height, aspectRatio: i.aspect_ratio },
      };
    }
    case 'DATA':
      return { data: { dataType: (e as z.infer<typeof data>).data_type } };
  }
}

/** A PUT /flows/{id} body as the GraphQL FlowInput; the body id must be the path id (ADR0025). */
export function flowInput(body: unknown, pathId: string): Record<string, unknown> {
  const f = parse(flowBody, body, 'flow');
  if (f.id !== pathId)
    throw new HttpError(400, 'BAD_REQUEST', `id: the body's id ${f.id} is not the flow id in the path`);
  const format = FORMATS.find(([, urn]) => urn === f.format)![0];
  const known = new Set([...Object.keys(flowBody.shape), ...MANAGED]);
  const extra = Object.fromEntries(Object.entries(f).filter(([k]) => !known.has(k)));
  return {
    sourceId: f.source_id,
    format,
    codec: f.codec,
    container: f.container,
    label: f.label,
    description: f.description,
    createdBy: f.created_by,
    updatedBy: f.updated_by,
    tags: f.tags && Object.entries(f.tags).map(([name, value]) => ({ name, value })),
    readOnly: f.read_only,
    generation: f.generation,
    avgBitRate: f.avg_bit_rate,
    maxBitRate: f.max_bit_rate,
    segmentDuration: camelRational(f.segment_duration),
    containerMapping: containerMappingInput(f.container_mapping),
    flowCollection: f.flow_collection?.map((i) => ({
      id: i.id,
      role: i.role,
      containerMapping: containerMappingInput(i.container_mapping),
    })),
    ...essenceInput(format, f.essence_parameters),
    additionalProperties: Object.keys(extra).length ? extra : undefined,
  };
}

/** PUT .../flow_collection. */
export const flowCollectionBody = z.array(
  z.object({ id: uuid, role: z.string(), container_mapping: containerMapping.optional() }),
);

export function flowCollectionInput(body: unknown) {
  return parse(flowCollectionBody, body, 'flow_collection').map((i) => ({
    id: i.id,
    role: i.role,
    containerMapping: containerMappingInput(i.container_mapping),
  }));
}

const segmentBody = z.object({
  object_id: z.string(),
  timerange,
  ts_offset: timestamp.optional(),
  last_duration: timestamp.optional(),
  sample_offset: long(0).optional(),
  sample_count: long(0).optional(),
  key_frame_count: long(0).optional(),
  get_urls: z.array(z.object({ url: z.string(), label: z.string().optional() })).optional(),
});

export type SegmentBody = z.infer<typeof segmentBody>;

/** One segment of a POST body: its GraphQL input, or why it is malformed. */
export function segmentInput(
  item: unknown,
): { ok: true; input: Record<string, unknown> } | { ok: false; message: string } {
  const r = segmentBody.safeParse(item);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    return { ok: false, message: `${issue.path.join('.') || 'segment'}: ${issue.message}` };
  }
  const s = r.data;
  return {
    ok: true,
    input: {
      objectId: s.object_id,
      timerange: s.timerange,
      tsOffset: s.ts_offset,
      lastDuration: s.last_duration,
      sampleOffset: s.sample_offset,
      sampleCount: s.sample_count,
      keyFrameCount: s.key_frame_count,
      getUrls: s.get_urls,
    },
  };
}

export const storageBody = z
  .object({
    limit: int(1).optional(),
    object_ids: z.array(z.string()).optional(),
    storage_id: uuid.optional(),
  })
  .refine(
    (b) => !(b.limit !== undefined && b.object_ids !== undefined),
    'give either limit or object_ids, not both',
  );

export const webhookBody = z
  .object({
    url: z.string(),
    api_key_name: z.string().optional(),
    api_key_value: z.string().optional(),
    events: z.array(z.string()),
    flow_ids: z.array(uuid).optional(),
    source_ids: z.array(uuid).optional(),
    flow_collected_by_ids: z.array(uuid).optional(),
    source_collected_by_ids: z.array(uuid).optional(),
    accept_get_urls: z.array(z.string()).optional(),
    accept_storage_ids: z.array(uuid).optional(),
    presigned: z.boolean().optional(),
    verbose_storage: z.boolean().optional(),
  })
  // 7.0: a store SHALL return 400 for a filter or transformation it does not support.
  .strict();

export const serviceBody = z
  .object({ name: z.string().optional(), description: z.string().optional() })
  .strict();

export const stringBody = z.string('expected a JSON string');
export const booleanBody = z.boolean('expected a JSON boolean');
export const bitRateBody = int(0);
