import type { GraphQLSchema } from 'graphql';
import type { Executor } from '../../lib/executor/index.js';
import type { AnalyticsContext } from './context.js';
import { createAnalyticsContext } from './context.js';
import { buildAnalyticsSchema } from './schema.js';

export type { AnalyticsContext } from './context.js';

/** The analytics subgraph: computed fields on the media subgraph's flows. */
export interface AnalyticsSubgraph {
  readonly schema: GraphQLSchema;
  createContext(): AnalyticsContext;
}

export function createAnalyticsSubgraph(executor: Executor): AnalyticsSubgraph {
  return { schema: buildAnalyticsSchema(), createContext: () => createAnalyticsContext(executor) };
}
