import {
  ServiceDocument,
  SetServiceInfoDocument,
  StorageBackendsDocument,
} from '../__generated__/operations.js';
import { parse, serviceBody } from '../bodies.js';
import type { RouteDefinition } from '../router.js';
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
      GET: async (ctx) => ok(serviceJson((await ctx.graphql.run(ServiceDocument)).service)),
      POST: async (ctx) => {
        const body = parse(serviceBody, await ctx.json(), 'service');
        // Only the properties present change: an absent variable leaves its argument out.
        if (body.name !== undefined || body.description !== undefined)
          await ctx.graphql.run(SetServiceInfoDocument, body);
        return { status: 200 };
      },
    },
  },
  {
    path: '/service/storage-backends',
    methods: {
      GET: async (ctx) =>
        ok((await ctx.graphql.run(StorageBackendsDocument)).storageBackends.map(storageBackendJson)),
    },
  },
];
