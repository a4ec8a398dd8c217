import {
  AllocateStorageDocument,
  FlowDeleteRequestDocument,
  FlowDeleteRequestsDocument,
  MediaObjectDocument,
} from '../__generated__/operations.js';
import { parse, storageBody } from '../bodies.js';
import { pagingHeaders } from '../paging.js';
import type { RouteDefinition } from '../router.js';
import { defined, deleteRequestJson } from '../to-tams-json.js';
import { notFound, ok, pathId } from './common.js';

export const storageAndObjectRoutes: RouteDefinition[] = [
  {
    path: '/flows/{flowId}/storage',
    methods: {
      POST: async (ctx) => {
        const id = pathId(ctx.param('flowId'), 'flow');
        // No body asks for the defaults; a JSON null is not an object and is refused like any other.
        const raw = await ctx.json({ optional: true });
        const body = parse(storageBody, raw === undefined ? {} : raw, 'storage request');
        const { allocateStorage } = await ctx.graphql.run(AllocateStorageDocument, { flowId: id, ...body });
        return {
          status: 201,
          body: {
            media_objects: allocateStorage.mediaObjects.map((o) => ({
              object_id: o.objectId,
              put_url: defined({
                url: o.putUrl.url,
                'content-type': o.putUrl.contentType,
                headers: o.putUrl.headers,
              }),
            })),
          },
        };
      },
    },
  },
  {
    // Object ids may contain `/`: clients send it as %2F, the router decodes it once.
    path: '/objects/{objectId}',
    methods: {
      GET: async (ctx) => {
        const { mediaObject } = await ctx.graphql.run(MediaObjectDocument, {
          objectId: ctx.param('objectId'),
          limit: ctx.query.limit(),
          page: ctx.query.page(),
        });
        if (!mediaObject)
          throw notFound(`media object ${JSON.stringify(ctx.param('objectId').slice(0, 120))}`);
        const { nodes, pageInfo } = mediaObject.referencedByFlows;
        return ok(
          defined({
            id: mediaObject.id,
            referenced_by_flows: nodes,
            first_referenced_by_flow: mediaObject.firstReferencedByFlow,
          }),
          pagingHeaders(ctx.publicUrl, ctx.path, ctx.query.raw, pageInfo.limit, pageInfo.endCursor),
        );
      },
    },
  },
  {
    path: '/flow-delete-requests',
    methods: {
      GET: async (ctx) =>
        ok((await ctx.graphql.run(FlowDeleteRequestsDocument)).flowDeleteRequests.map(deleteRequestJson)),
    },
  },
  {
    path: '/flow-delete-requests/{request-id}',
    methods: {
      GET: async (ctx) => {
        const id = pathId(ctx.param('request-id'), 'delete request');
        const { flowDeleteRequest } = await ctx.graphql.run(FlowDeleteRequestDocument, { requestId: id });
        if (!flowDeleteRequest) throw notFound(`delete request ${id}`);
        return ok(deleteRequestJson(flowDeleteRequest));
      },
    },
  },
];
