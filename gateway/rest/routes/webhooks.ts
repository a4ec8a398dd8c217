import type { RouteDefinition } from '../router.js';
import { parse, webhookBody } from '../bodies.js';
import { REGISTER_WEBHOOK, WEBHOOKS } from '../documents.js';
import { webhookJson } from '../to-tams-json.js';
import { noContent, ok } from './common.js';

export const webhookRoutes: RouteDefinition[] = [
  {
    path: '/service/webhooks',
    methods: {
      // api_key_value is write-only: the GraphQL type has no field for it.
      GET: async (ctx) =>
        ok(
          (await ctx.graphql.run<{ webhooks: Record<string, unknown>[] }>(WEBHOOKS)).webhooks.map(
            webhookJson,
          ),
        ),
      POST: async (ctx) => {
        const w = parse(webhookBody, await ctx.json(), 'webhook');
        const { registerWebhook } = await ctx.graphql.run<{ registerWebhook: { status: string } }>(
          REGISTER_WEBHOOK,
          {
            input: {
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
            },
          },
        );
        return registerWebhook.status === 'REMOVED' ? noContent : { status: 201 };
      },
    },
  },
];
