import type { RouteDefinition } from '../router.js';
import { parse, storageBody } from '../bodies.js';
import { ALLOCATE, DELETE_REQUEST, DELETE_REQUESTS, MEDIA_OBJECT } from '../documents.js';
import { pagingHeaders } from '../paging.js';
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
        const { allocateStorage } = await ctx.graphql.run<{
          allocateStorage: {
            mediaObjects: {
              objectId: string;
              putUrl: { url: string; contentType: string | null; headers: Record<string, string> | null };
            }[];
          };
        }>(ALLOCATE, {
          id,
          input: { limit: body.limit, objectIds: body.object_ids, storageId: body.storage_id },
        });
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
        const { mediaObject } = await ctx.graphql.run<{
          mediaObject: {
            id: string;
            firstReferencedByFlow: string | null;
            referencedByFlows: { nodes: string[]; pageInfo: { endCursor: string | null; limit: number } };
          } | null;
        }>(MEDIA_OBJECT, {
          id: ctx.param('objectId'),
          limit: ctx.query.limit() ?? null,
          after: ctx.query.page() ?? null,
        });
        if (!mediaObject)
          throw notFound(`media object ${JSON.stringify(ctx.param('objectId').slice(0, 120))}`);
        const page = mediaObject.referencedByFlows;
        return ok(
          defined({
            id: mediaObject.id,
            referenced_by_flows: page.nodes,
            first_referenced_by_flow: mediaObject.firstReferencedByFlow,
          }),
          pagingHeaders(ctx.publicUrl, ctx.path, ctx.query.raw, page.pageInfo.limit, page.pageInfo.endCursor),
        );
      },
    },
  },
  {
    path: '/flow-delete-requests',
    methods: {
      GET: async (ctx) =>
        ok(
          (
            await ctx.graphql.run<{ flowDeleteRequests: Record<string, unknown>[] }>(DELETE_REQUESTS)
          ).flowDeleteRequests.map(deleteRequestJson),
        ),
    },
  },
  {
    path: '/flow-delete-requests/{request-id}',
    methods: {
      GET: async (ctx) => {
        const id = pathId(ctx.param('request-id'), 'delete request');
        const { flowDeleteRequest } = await ctx.graphql.run<{
          flowDeleteRequest: Record<string, unknown> | null;
        }>(DELETE_REQUEST, { id });
        if (!flowDeleteRequest) throw notFound(`delete request ${id}`);
        return ok(deleteRequestJson(flowDeleteRequest));
      },
    },
  },
];
