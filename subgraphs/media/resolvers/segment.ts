import { eq } from '../../../lib/executor/index.js';
import type { MediaObjectResolvers, SegmentResolvers } from '../__generated__/resolvers-types.js';
import { segmentGetUrls } from '../domain/get-urls.js';
import { checkId } from '../domain/validation.js';
import { connection, pageLimit } from './paging.js';

export const Segment: SegmentResolvers = {
  flowId: (s) => s.flow_id,
  objectId: (s) => s.object_id,
  object: async (s, _, ctx) => {
    const object = await ctx.loaders.object.load(s.object_id);
    return { id: s.object_id, firstReferencedByFlow: object?.first_referenced_by_flow_id ?? null };
  },
  tsOffset: (s) => s.ts_offset,
  lastDuration: (s) => s.last_duration,
  sampleOffset: (s) => (s.sample_offset === null ? null : Number(s.sample_offset)),
  sampleCount: (s) => (s.sample_count === null ? null : Number(s.sample_count)),
  keyFrameCount: (s) => (s.key_frame_count === null ? null : Number(s.key_frame_count)),
  getUrls: async (s, args, ctx) => {
    args.acceptStorageIds?.forEach((id, i) => checkId(id, `acceptStorageIds[${i}]`));
    return segmentGetUrls(ctx.repository, s, await ctx.loaders.object.load(s.object_id), args);
  },
};

export const MediaObject: MediaObjectResolvers = {
  referencedByFlows: async (o, args, ctx) => {
    const limit = pageLimit(ctx.repository, args.limit);
    const page = await ctx.loaders.page({
      table: 'flow_object_refs',
      columns: ['flow_id'],
      where: eq('object_id', o.id),
      limit,
      after: args.after ?? null,
    });
    return connection(page, limit, (r) => r.flow_id);
  },
};
