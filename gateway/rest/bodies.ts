import { z } from 'zod';
import type {
  ContainerMappingInput,
  ContentFormat,
  FlowCollectionItemInput,
  FlowInput,
  SegmentInput,
  WebhookInput,
} from './__generated__/operations.js';
import { restError } from './errors.js';
import { coercionProblem } from './segment-coercion.js';
import type { Vocabulary } from './tams-vocabulary.js';
import {
  COLORSPACE,
  COMPONENT_TYPE,
  FORMAT,
  INTERLACE_MODE,
  TRANSFER_CHARACTERISTIC,
} from './tams-vocabulary.js';

/**
 * REST request bodies: the 7.0 JSON shapes as zod schemas, and their translation into the variables
 * of the REST shim's operations. Where the line is (docs/decisions.md §27): these schemas check what the
 * 7.0 JSON Schema says about structure, that is JSON types (an integer is a type), required properties
 * and property names, and they translate the TAMS spellings of enumerations. They check no values:
 * ranges, patterns, UUIDs, timeranges, MIME types, lengths and every rule between properties are the
 * domain's (subgraphs/media/domain) or the GraphQL schema's (Int, the custom scalars), and reach REST
 * clients as the same errors GraphQL clients get.
 */

/** JSON Schema's "integer": a type, not a range (GraphQL's Int and the domain bound it). */
const int = z.number().int('expected an integer');

/** A TAMS spelling of a GraphQL enum value, translated; anything else is not in the TAMS vocabulary. */
const spelling = <G extends string>(vocabulary: Vocabulary<G>) =>
  z.string().transform((tams, ctx): G => {
    const value = vocabulary.graphqlOf(tams);
    if (value === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected one of ${vocabulary.tamsValues.join(', ')}` });
      return z.NEVER;
    }
    return value;
  });

const rational = z.object({ numerator: int, denominator: int.optional() });
const ratio = z.object({ numerator: int, denominator: int });

const containerMapping = z.object({
  track_index: int.optional(),
  format_track_index: int.optional(),
  audio_track: z
    .object({ channel_numbers: z.array(int).optional(), channel_range: z.string().optional() })
    .optional(),
  mp2ts_container: z.object({ pid: int.optional() }).optional(),
  mxf_container: z.object({ package_uid: z.string().optional(), track_id: int.optional() }).optional(),
  isobmff_container: z.object({ track_id: int.optional() }).optional(),
});

const collectionItem = z.object({
  id: z.string(),
  role: z.string(),
  container_mapping: containerMapping.optional(),
});

// Essence parameters have `additionalProperties: false` in 7.0: unknown names are refused.
const video = z.strictObject({
  frame_rate: rational.optional(),
  frame_width: int,
  frame_height: int,
  bit_depth: int.optional(),
  interlace_mode: spelling(INTERLACE_MODE).optional(),
  colorspace: spelling(COLORSPACE).optional(),
  transfer_characteristic: spelling(TRANSFER_CHARACTERISTIC).optional(),
  aspect_ratio: ratio.optional(),
  pixel_aspect_ratio: ratio.optional(),
  component_type: spelling(COMPONENT_TYPE).optional(),
  horiz_chroma_subs: int.optional(),
  vert_chroma_subs: int.optional(),
  unc_parameters: z.object({ unc_type: z.string() }).optional(),
  avc_parameters: z.object({ profile: int, level: int, flags: int }).optional(),
});

const audio = z.strictObject({
  sample_rate: int,
  channels: int,
  bit_depth: int.optional(),
  codec_parameters: z.object({ coded_frame_size: int.optional(), mp4_oti: int.optional() }).optional(),
  unc_parameters: z.object({ unc_type: z.string() }).optional(),
});

const image = z.strictObject({ frame_width: int, frame_height: int, aspect_ratio: ratio.optional() });
const data = z.strictObject({ data_type: z.string().optional() });

/**
 * A tag map, kept as given. Not `z.record`: zod leaves a "__proto__" key out of a record it parses, and
 * to TAMS that is a tag name like any other (the store keeps it as an own member, never a prototype).
 */
const tagMap = z.custom<Record<string, string>>().superRefine((value, ctx) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    ctx.addIssue({ code: 'custom', message: 'expected an object mapping tag names to strings' });
    return;
  }
  for (const [name, tag] of Object.entries(value))
    if (typeof tag !== 'string')
      ctx.addIssue({ code: 'custom', path: [name], message: 'tag values are strings in TAMS 7.0' });
});

/** flow-core.json; further properties are kept (7.0 allows them) and stored as given. */
const flowCore = z.looseObject({
  id: z.string(),
  source_id: z.string(),
  container: z.string().optional(),
  label: z.string().optional(),
  description: z.string().optional(),
  created_by: z.string().optional(),
  updated_by: z.string().optional(),
  tags: tagMap.optional(),
  read_only: z.boolean().optional(),
  generation: int.optional(),
  avg_bit_rate: int.optional(),
  max_bit_rate: int.optional(),
  segment_duration: rational.optional(),
  container_mapping: containerMapping.optional(),
  flow_collection: z.array(collectionItem).optional(),
});

/** flow-video.json, flow-audio.json, ...: each format requires its codec and essence parameters. */
const withEssence = <E extends z.ZodType>(format: Exclude<ContentFormat, 'MULTI'>, essence: E) =>
  flowCore.extend({
    format: z.literal(FORMAT.tamsOf[format]),
    codec: z.string(),
    essence_parameters: essence,
  });

/** The 7.0 flow of each format; a multi-essence flow declares no essence parameters (flow-multi.json). */
const FLOW_OF = {
  VIDEO: withEssence('VIDEO', video),
  AUDIO: withEssence('AUDIO', audio),
  IMAGE: withEssence('IMAGE', image),
  DATA: withEssence('DATA', data),
  MULTI: flowCore.extend({ format: z.literal(FORMAT.tamsOf.MULTI), codec: z.string().optional() }),
};

const flowBody = z.discriminatedUnion(
  'format',
  [FLOW_OF.VIDEO, FLOW_OF.AUDIO, FLOW_OF.IMAGE, FLOW_OF.DATA, FLOW_OF.MULTI],
  {
    error: (issue) =>
      issue.code === 'invalid_union' ? `expected one of ${FORMAT.tamsValues.join(', ')}` : undefined,
  },
);

/** Properties the server manages: ignored in a PUT (7.0 ADR0003, flow-core.json). */
const MANAGED = [
  'created',
  'metadata_updated',
  'segments_updated',
  'metadata_version',
  'timerange',
  'collected_by',
];

/** Messages name the JSON path; a missing property says so rather than "received undefined". */
function shapeProblem<T>(
  schema: z.ZodType<T>,
  value: unknown,
  what: string,
): { data: T } | { problem: string } {
  const r = schema.safeParse(value, {
    error: (issue) => (issue.code === 'invalid_type' && issue.input === undefined ? 'required' : undefined),
  });
  if (r.success) return { data: r.data };
  const issue = r.error.issues[0]!;
  return { problem: `${issue.path.length ? issue.path.join('.') : what}: ${issue.message}` };
}

/** `value` in the shape of `schema`, or a 400 naming the property that is not. */
export function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = shapeProblem(schema, value, what);
  if ('problem' in r) throw restError('BAD_REQUEST', r.problem);
  return r.data;
}

const camelRational = (r: z.infer<typeof rational> | undefined) =>
  r && { numerator: r.numerator, denominator: r.denominator };

function containerMappingInput(
  m: z.infer<typeof containerMapping> | undefined,
): ContainerMappingInput | undefined {
  return (
    m && {
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
    }
  );
}

function collectionInput(items: z.infer<typeof collectionItem>[]): FlowCollectionItemInput[] {
  return items.map((i) => ({
    id: i.id,
    role: i.role,
    containerMapping: containerMappingInput(i.container_mapping),
  }));
}

/** The essence parameters of a flow of `format`, already in the shape its branch of flowBody checked. */
function essenceInput(
  format: ContentFormat,
  essence: unknown,
): Pick<FlowInput, 'video' | 'audio' | 'image' | 'data'> {
  switch (format) {
    case 'VIDEO': {
      const v = essence as z.infer<typeof video>;
      return {
        video: {
          frameRate: camelRational(v.frame_rate),
          frameWidth: v.frame_width,
          frameHeight: v.frame_height,
          bitDepth: v.bit_depth,
          interlaceMode: v.interlace_mode,
          colorspace: v.colorspace,
          transferCharacteristic: v.transfer_characteristic,
          aspectRatio: v.aspect_ratio,
          pixelAspectRatio: v.pixel_aspect_ratio,
          componentType: v.component_type,
          horizChromaSubs: v.horiz_chroma_subs,
          vertChromaSubs: v.vert_chroma_subs,
          uncType: v.unc_parameters?.unc_type,
          avcParameters: v.avc_parameters,
        },
      };
    }
    case 'AUDIO': {
      const a = essence as z.infer<typeof audio>;
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
      const i = essence as z.infer<typeof image>;
      return {
        image: { frameWidth: i.frame_width, frameHeight: i.frame_height, aspectRatio: i.aspect_ratio },
      };
    }
    case 'DATA':
      return { data: { dataType: (essence as z.infer<typeof data>).data_type } };
    case 'MULTI':
      return {};
  }
}

/** A PUT /flows/{id} body as the GraphQL FlowInput; the body id must be the path id (ADR0025). */
export function flowInput(body: unknown, pathId: string): FlowInput {
  const f = parse(flowBody, body, 'flow');
  // The path names the flow; a body naming another contradicts its own request (a mapping matter).
  if (f.id !== pathId)
    throw restError('BAD_REQUEST', `id: the body's id ${f.id} is not the flow id in the path`);
  const format = FORMAT.graphqlOf(f.format)!;
  // What FlowInput does not name travels as additionalProperties, where the domain decides on it (a
  // multi-essence flow's essence_parameters included: it refuses them).
  const named = new Set([...Object.keys(FLOW_OF[format].shape), ...MANAGED]);
  // From the body as sent, not zod's output: a loose object leaves a "__proto__" member out.
  const extra = Object.fromEntries(Object.entries(body as object).filter(([k]) => !named.has(k)));
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
    flowCollection: f.flow_collection && collectionInput(f.flow_collection),
    ...essenceInput(format, 'essence_parameters' in f ? f.essence_parameters : undefined),
    additionalProperties: Object.keys(extra).length ? extra : undefined,
  };
}

/** PUT .../flow_collection. */
export function flowCollectionInput(body: unknown): FlowCollectionItemInput[] {
  return collectionInput(parse(z.array(collectionItem), body, 'flow_collection'));
}

const segmentBody = z.object({
  object_id: z.string(),
  timerange: z.string(),
  ts_offset: z.string().optional(),
  last_duration: z.string().optional(),
  sample_offset: int.optional(),
  sample_count: int.optional(),
  key_frame_count: int.optional(),
  get_urls: z.array(z.object({ url: z.string(), label: z.string().optional() })).optional(),
});

/**
 * One segment of a POST body: its GraphQL input, or why it cannot be one. Besides the JSON shape, the
 * input must coerce to the media subgraph's SegmentInput (its scalars parse timeranges and timestamps):
 * GraphQL refuses a whole list for one bad item, where 7.0 reports each failed segment on its own.
 */
export function segmentInput(
  item: unknown,
): { ok: true; input: SegmentInput } | { ok: false; message: string } {
  const r = shapeProblem(segmentBody, item, 'segment');
  if ('problem' in r) return { ok: false, message: r.problem };
  const s = r.data;
  const input: SegmentInput = {
    objectId: s.object_id,
    timerange: s.timerange,
    tsOffset: s.ts_offset,
    lastDuration: s.last_duration,
    sampleOffset: s.sample_offset,
    sampleCount: s.sample_count,
    keyFrameCount: s.key_frame_count,
    getUrls: s.get_urls,
  };
  const problem = coercionProblem(input);
  return problem === undefined ? { ok: true, input } : { ok: false, message: problem };
}

/** POST /flows/{flowId}/storage: `limit` or `object_ids` (the domain refuses both together). */
export const storageBody = z.object({
  limit: int.optional(),
  object_ids: z.array(z.string()).optional(),
  storage_id: z.string().optional(),
});

/** 7.0: a store SHALL return 400 for a filter or transformation it does not support: no unknown names. */
const webhookBody = z.strictObject({
  url: z.string(),
  api_key_name: z.string().optional(),
  api_key_value: z.string().optional(),
  events: z.array(z.string()),
  flow_ids: z.array(z.string()).optional(),
  source_ids: z.array(z.string()).optional(),
  flow_collected_by_ids: z.array(z.string()).optional(),
  source_collected_by_ids: z.array(z.string()).optional(),
  accept_get_urls: z.array(z.string()).optional(),
  accept_storage_ids: z.array(z.string()).optional(),
  presigned: z.boolean().optional(),
  verbose_storage: z.boolean().optional(),
});

export function webhookInput(body: unknown): WebhookInput {
  const w = parse(webhookBody, body, 'webhook');
  return {
    url: w.url,
    apiKeyName: w.api_key_name,
    apiKeyValue: w.api_key_value,
    events: w.events,
    flowIds: w.flow_ids,
    sourceIds: w.source_ids,
    flowCollectedByIds: w.flow_collected_by_ids,
    sourceCollectedByIds: w.source_collected_by_ids,
    acceptGetUrls: w.accept_get_urls,
    acceptStorageIds: w.accept_storage_ids,
    presigned: w.presigned,
    verboseStorage: w.verbose_storage,
  };
}

export const serviceBody = z.strictObject({
  name: z.string().optional(),
  description: z.string().optional(),
});

export const stringBody = z.string('expected a JSON string');
export const booleanBody = z.boolean('expected a JSON boolean');
export const bitRateBody = int;
