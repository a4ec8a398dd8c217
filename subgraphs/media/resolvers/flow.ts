import { ETERNITY, intersection, spanOf } from '../../../lib/tams/index.js';
import type {
  FlowCollectionItemResolvers,
  FlowResolvers,
  FlowSegmentsArgs,
} from '../__generated__/resolvers-types.js';
import type { MediaContext } from '../context.js';
import type { SegmentParent } from '../parents.js';
import { formatFromUrn } from '../domain/content-format.js';
import { flowCollectedBy } from '../domain/collections.js';
import { segmentWindowQuery } from '../domain/segment-window.js';
import { DomainError } from '../errors.js';
import { containerMapping, essenceParameters, rational } from './essence.js';
import { connection, pageLimit } from './paging.js';
import { tagList, tagValue } from './tags.js';

export const Flow: FlowResolvers = {
  __resolveReference: async (ref, ctx) => ctx.loaders.flow.load(ref.id),
  sourceId: (flow) => flow.source_id,
  source: async (flow, _, ctx) => {
    const source = await ctx.loaders.source.load(flow.source_id);
    if (!source) throw new DomainError('INTERNAL_SERVER_ERROR', `flow ${flow.id} has no source`);
    return source;
  },
  format: (flow) => formatFromUrn(flow.format),
  tags: (flow) => tagList(flow.tags),
  tag: (flow, { name }) => tagValue(flow.tags, name),
  // Null when never set (writable); the schema says so. Enforcement treats null as false (assertWritable).
  readOnly: (flow) => flow.read_only,
  createdBy: (flow) => flow.created_by,
  updatedBy: (flow) => flow.updated_by,
  metadataUpdated: (flow) => flow.metadata_updated,
  metadataVersion: (flow) => flow.metadata_version,
  segmentsUpdated: (flow) => flow.segments_updated,
  avgBitRate: (flow) => flow.avg_bit_rate,
  maxBitRate: (flow) => flow.max_bit_rate,
  segmentDuration: (flow) => rational(flow.segment_duration),
  containerMapping: (flow) => containerMapping(flow.container_mapping),
  essenceParameters: (flow) => essenceParameters(flow.format, flow.essence_parameters),
  timerange: (flow, { within }) => intersection(flow.timerange, within ?? ETERNITY),
  flowCollection: (flow, _, ctx) =>
    flow.flow_collection_set ? ctx.loaders.collectionItems.load(flow.id) : null,
  collectedBy: async (flow, _, ctx) => (await flowCollectedBy(ctx.loaders.collections, [flow.id]))[0]!,
  segments: (flow, args, ctx) => flowSegments(flow.id, args, ctx),
  additionalProperties: (flow) => flow.extra,
};

/** One page of a flow's segments: `Flow.segments`, and `Query.segments` for a flow that exists. */
export async function flowSegments(flowId: string, args: FlowSegmentsArgs, ctx: MediaContext) {
  const limit = pageLimit(ctx.repository, args.limit);
  const page = await ctx.loaders.page(
    segmentWindowQuery({
      flowId,
      timerange: args.timerange,
      objectId: args.objectId,
      reverseOrder: args.reverseOrder,
      limit,
      after: args.after,
    }),
  );
  return { ...connection<SegmentParent>(page, limit), timerange: spanOf(page.rows.map((s) => s.timerange)) };
}

export const FlowCollectionItem: FlowCollectionItemResolvers = {
  id: (item) => item.member_id,
  containerMapping: (item) => containerMapping(item.container_mapping),
  flow: (item, _, ctx) => ctx.loaders.flow.load(item.member_id),
};
