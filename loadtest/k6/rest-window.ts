/**
 * REST segment window reads: `GET /flows/{id}/segments?limit=10&timerange=…`, ten segments from the
 * middle of a 3,000-segment flow with their presigned get_urls (what a player asks for when it seeks).
 *
 *   k6 run -e TAMS_URL=https://tams.example.com -e TAMS_TOKEN=… loadtest/k6/rest-window.ts
 */
import type { Options } from 'k6/options';
import { CHECKS, JOURNEYS, k6Thresholds, SEED, windowPath } from './lib/scenarios.ts';
import { checkAnswer, createFlow, get, seedSegments } from './lib/tams.ts';

const journey = JOURNEYS.window;

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
  const flowId = createFlow('k6 window reads');
  seedSegments(flowId, SEED.windowFlowSegments);
  return { flowId };
}

export default function (data: { flowId: string }) {
  const res = get(windowPath(data.flowId, SEED.windowFlowSegments), {
    name: 'GET /flows/{id}/segments?limit=10',
  });
  checkAnswer(res, CHECKS.window);
}
