import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLSchema } from 'graphql';
import { LongScalar } from '../media/scalars.js';
import { toDomainError } from '../media/errors.js';
import { loadSdl } from '../sdl.js';
import type { Resolvers } from './__generated__/resolvers-types.js';

const resolvers: Resolvers = {
  Long: LongScalar,
  Flow: {
    __resolveReference: (ref) => ({ id: ref.id }),
    stats: (flow) => ({ flowId: flow.id }),
  },
  FlowStats: {
    segmentCount: async (stats, _, ctx) => {
      try {
        const count = await ctx.segmentCount.load(stats.flowId);
        return count === null ? 0 : Number(count);
      } catch (error) {
        throw toDomainError(error);
      }
    },
  },
};

export function buildAnalyticsSchema(): GraphQLSchema {
  return buildSubgraphSchema({ typeDefs: loadSdl('analytics').document, resolvers } as Parameters<
    typeof buildSubgraphSchema
  >[0]);
}
