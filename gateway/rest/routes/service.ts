import type { RouteDefinition } from '../router.js';
import { parse, serviceBody } from '../bodies.js';
import {
  SERVICE,
  SET_SERVICE,
  SET_SERVICE_DESCRIPTION,
  SET_SERVICE_NAME,
  STORAGE_BACKENDS,
} from '../documents.js';
import { serviceJson, storageBackendJson } from '../to-tams-json.js';
import { ok } from './common.js';

/** `/`, `/service`, `/service/storage-backends`. */
export const serviceRoutes: RouteDefinition[] = [
  {
    path: '/',
    methods: { GET: () => Promise.resolve(ok(['service', 'flows', 'sources', 'flow-delete-requests'])) },
  },
  {
    path: '/service',
    methods: {
      GET: async (ctx) =>
        ok(serviceJson((await ctx.graphql.run<{ service: Record<string, unknown> }>(SERVICE)).service)),
      POST: async (ctx) => {
        const body = parse(serviceBody, await ctx.json(), 'service');
        // Only the properties present change.
        const document =
          body.name !== undefined && body.description !== undefined
            ? SET_SERVICE
            : body.name !== undefined
              ? SET_SERVICE_NAME
              : body.description !== undefined
                ? SET_SERVICE_DESCRIPTION
                : null;
        if (document) await ctx.graphql.run(document, body);
        return { status: 200 };
      },
    },
  },
  {
    path: '/service/storage-backends',
    methods: {
      GET: async (ctx) =>
        ok(
          (
            await ctx.graphql.run<{ storageBackends: Record<string, unknown>[] }>(STORAGE_BACKENDS)
          ).storageBackends.map(storageBackendJson),
        ),
    },
  },
];
