import { and, isIn } from '../../../lib/executor/index.js';
import type { QueryResolvers } from '../__generated__/resolvers-types.js';
import { EMPTY } from '../../../lib/tams/index.js';
import { readServiceInfo } from '../domain/service-info.js';
import { checkId } from '../domain/validation.js';
import { flowPredicate, sourcePredicate } from './filters.js';
import { flowOrder } from './flow-order.js';
import type { SegmentParent } from '../parents.js';
import { flowSegments } from './flow.js';
import { connection, pageLimit } from './paging.js';

/** Listings that 7.0 does not page (webhooks, delete requests) are still bounded. */
const UNPAGED_MAX = 10_000;

export const Query: QueryResolvers = {
  service: (_, __, ctx) => readServiceInfo(ctx.repository),
  storageBackends: async (_, __, ctx) =>
    (
      await ctx.repository.executor.select({
        table: 'storage_backends',
        orderBy: [{ column: 'created' }],
        limit: 1000,
      })
    ).rows,
  sources: async (_, args, ctx) => {
    const limit = pageLimit(ctx.repository, args.limit);
    const page = await ctx.loaders.page({
      table: 'sources',
      where: sourcePredicate(args.filter),
      limit,
      after: args.after ?? null,
    });
    return connection(page, limit);
  },
  source: (_, { id }, ctx) => ctx.loaders.source.load(checkId(id)),
  flows: async (_, args, ctx) => {
    const limit = pageLimit(ctx.repository, args.limit);
    const collector = args.filter?.collectedBy;
    // A collection has few members: their ids narrow the listing, which keeps its order and paging.
    const members =
      collector == null
        ? null
        : (await ctx.loaders.collectionItems.load(checkId(collector, 'collectedBy'))).map((i) => i.member_id);
    const where =
      members === null ? flowPredicate(args.filter) : and(flowPredicate(args.filter), isIn('id', members));
    const page = await ctx.loaders.page({
      table: 'flows',
      where,
      orderBy: flowOrder(args.sort),
      limit,
      after: args.after ?? null,
    });
    return connection(page, limit);
  },
  flow: (_, { id }, ctx) => ctx.loaders.flow.load(checkId(id)),
  segments: async (_, { flowId, ...args }, ctx) => {
    const flow = await ctx.loaders.flow.load(checkId(flowId, 'flowId'));
    if (flow) return flowSegments(flow.id, args, ctx);
    // 7.0: the segments of a flow that does not exist are an empty list; the limit still applies.
    return {
      ...connection<SegmentParent>({ rows: [], nextPageKey: null }, pageLimit(ctx.repository, args.limit)),
      timerange: EMPTY,
    };
  },
  mediaObject: async (_, { id }, ctx) => {
    const object = await ctx.loaders.object.load(id);
    // 7.0: an object exists in the API once a segment registered it; a bare allocation is not visible.
    if (!object || object.first_referenced_by_flow_id === null) return null;
    return { id: object.id, firstReferencedByFlow: object.first_referenced_by_flow_id };
  },
  webhooks: async (_, __, ctx) =>
    (
      await ctx.repository.executor.select({
        table: 'webhooks',
        orderBy: [{ column: 'created' }],
        limit: UNPAGED_MAX,
      })
    ).rows,
  flowDeleteRequests: async (_, __, ctx) =>
    (
      await ctx.repository.executor.select({
        table: 'flow_delete_requests',
        where: isIn('status', ['created', 'started', 'done', 'error']),
        orderBy: [{ column: 'created', direction: 'desc' }],
        limit: UNPAGED_MAX,
      })
    ).rows.filter((r) => r.expiry === null || r.expiry > ctx.repository.now()),
  flowDeleteRequest: async (_, { id }, ctx) => {
    const [request] = await ctx.repository.executor.lookup('flow_delete_requests', 'id', [checkId(id)]);
    return request && (request.expiry === null || request.expiry > ctx.repository.now()) ? request : null;
  },
};
