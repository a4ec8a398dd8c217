import type { GraphQLSchema } from 'graphql';
import type { Executor } from '../../lib/executor/index.js';
import { cachedAnswers } from './cached-answers.js';
import type { AnalyticsCaller, AnalyticsContext, AnalyticsOptions } from './context.js';
import { createAnalyticsContext } from './context.js';
import type { FlowUsageExportRequest } from './flow-usage-export.js';
import { exportFlowUsage } from './flow-usage-export.js';
import { buildAnalyticsSchema } from './schema.js';

export type { AnalyticsCacheOptions } from './flow-answers.js';
export type { FlowUsageExportRequest } from './flow-usage-export.js';
export type { AnalyticsCaller, AnalyticsContext, AnalyticsOptions } from './context.js';

/** The analytics subgraph: computed fields on the media subgraph's flows and sources, and store analytics. */
export interface AnalyticsSubgraph {
  readonly schema: GraphQLSchema;
  /** `caller`: default not admin (admin-only fields refuse). */
  createContext(caller?: AnalyticsCaller): AnalyticsContext;
  /** `analytics.flowUsage` as Arrow IPC stream bytes (the gateway serves it at /export/analytics/flow-usage). */
  exportFlowUsage(request: FlowUsageExportRequest): Promise<Uint8Array>;
}

export function createAnalyticsSubgraph(
  executor: Executor,
  options: AnalyticsOptions = {},
): AnalyticsSubgraph {
  const cached = cachedAnswers(options.cache);
  return {
    schema: buildAnalyticsSchema(),
    createContext: (caller) => createAnalyticsContext(executor, options, cached, caller),
    exportFlowUsage: (request) => exportFlowUsage(executor, request),
  };
}
