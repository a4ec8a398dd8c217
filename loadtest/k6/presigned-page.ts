/**
 * A 1000-segment page with presigned URLs: `GET /flows/{id}/segments?limit=1000&presigned=true` on a
 * flow of exactly 1000 segments, each on its own object (1000 URLs signed per answer).
 *
 *   k6 run -e TAMS_URL=https://tams.example.com -e TAMS_TOKEN=… loadtest/k6/presigned-page.ts
 */
import type { Options } from 'k6/options';
import { CHECKS, JOURNEYS, k6Thresholds, pagePath, SEED } from './lib/scenarios.ts';
import { checkAnswer, createFlow, get, seedSegments } from './lib/tams.ts';

const journey = JOURNEYS.page;

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
  const flowId = createFlow('k6 presigned page');
  seedSegments(flowId, SEED.pageFlowSegments);
  return { flowId };
}

export default function (data: { flowId: string }) {
  const res = get(pagePath(data.flowId), { name: 'GET /flows/{id}/segments?limit=1000&presigned=true' });
  checkAnswer(res, CHECKS.page1000);
}
