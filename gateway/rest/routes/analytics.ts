import {
  FlowUsageDocument,
  StorageUsageDocument,
  TimeRangeAnalysisDocument,
} from '../__generated__/operations.js';
import { restError } from '../errors.js';
import type { RouteDefinition } from '../router.js';
import { notFound, ok } from './common.js';

/**
 * `/analytics/*`: the analytics paths the replaced system documented, for legacy tools. Extensions, not
 * TAMS 7.0: they are served beside the 7.0 routes but kept out of REST_ROUTES and its conformance checks.
 * Each runs one operation of the analytics subgraph and answers its result in snake_case JSON; numbers
 * are as GraphQL gives them (durations in seconds, sizes in bytes).
 */

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** GraphQL result → snake_case JSON, deeply (keys only; values as they are). */
function snakeCase(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeCase);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [snake(k), snakeCase(v)]));
}

export const analyticsExtensionRoutes: RouteDefinition[] = [
  {
    path: '/analytics/flow-usage',
    methods: {
      GET: async (ctx) => {
        const result = await ctx.graphql.run(FlowUsageDocument, {
          format: ctx.query.string('format'),
          sourceId: ctx.query.string('source_id'),
          createdAfter: ctx.query.string('created_after'),
          createdBefore: ctx.query.string('created_before'),
        });
        return ok(snakeCase(result.analytics.flowUsage));
      },
    },
  },
  {
    path: '/analytics/storage-usage',
    methods: {
      GET: async (ctx) => {
        const result = await ctx.graphql.run(StorageUsageDocument, {
          storageId: ctx.query.string('storage_id'),
        });
        return ok(snakeCase(result.analytics.storageUsage));
      },
    },
  },
  {
    path: '/analytics/time-range-analysis',
    methods: {
      GET: async (ctx) => {
        const flowId = ctx.query.string('flow_id');
        if (flowId === undefined) throw restError('BAD_REQUEST', 'query parameter flow_id is required');
        const result = await ctx.graphql.run(TimeRangeAnalysisDocument, {
          flowId,
          timerange: ctx.query.string('timerange'),
          buckets: ctx.query.integer('buckets') ?? 100,
          gapLimit: ctx.query.integer('gap_limit'),
        });
        if (!result.flow) throw notFound(`flow ${flowId}`);
        return ok(
          snakeCase({ flowId: result.flow.id, ...result.flow.coverage, timeline: result.flow.timeline }),
        );
      },
    },
  },
];
