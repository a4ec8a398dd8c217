/**
 * GraphQL across both subgraphs: one query reads a flow, its source and ten segments (media subgraph)
 * with its statistics and coverage (analytics subgraph); the gateway plans and joins the two.
 *
 *   k6 run -e TAMS_URL=https://tams.example.com -e TAMS_TOKEN=… loadtest/k6/graphql-cross-subgraph.ts
 */
import type { Options } from 'k6/options';
import { CHECKS, CROSS_SUBGRAPH_QUERY, JOURNEYS, k6Thresholds, SEED } from './lib/scenarios.ts';
import { checkAnswer, createFlow, graphql, seedSegments } from './lib/tams.ts';

const journey = JOURNEYS.graphql;

export const options: Options = {
  scenarios: {
    [journey.name]: {
      executor: 'constant-vus',
      vus: journey.vus,
      duration: journey.duration,
      tags: { journey: journey.name },
    },
  },
  thresholds: k6Thresholds([journey]),
};

export function setup() {
  const flowId = createFlow('k6 graphql');
  seedSegments(flowId, SEED.graphqlFlowSegments);
  return { flowId };
}

export default function (data: { flowId: string }) {
  const res = graphql(CROSS_SUBGRAPH_QUERY, { id: data.flowId }, { name: 'CrossSubgraph' });
  checkAnswer(res, CHECKS.crossSubgraph);
}
