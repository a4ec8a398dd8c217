import { RegisterWebhookDocument, WebhooksDocument } from '../__generated__/operations.js';
import { webhookInput } from '../bodies.js';
import type { RouteDefinition } from '../router.js';
import { webhookJson } from '../to-tams-json.js';
import { noContent, ok } from './common.js';

export const webhookRoutes: RouteDefinition[] = [
  {
    path: '/service/webhooks',
    methods: {
      // api_key_value is write-only: the GraphQL type has no field for it.
      GET: async (ctx) => ok((await ctx.graphql.run(WebhooksDocument)).webhooks.map(webhookJson)),
      POST: async (ctx) => {
        const input = webhookInput(await ctx.json());
        const { registerWebhook } = await ctx.graphql.run(RegisterWebhookDocument, { input });
        return registerWebhook.status === 'REMOVED' ? noContent : { status: 201 };
      },
    },
  },
];
