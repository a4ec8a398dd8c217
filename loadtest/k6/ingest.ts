/**
 * Ingest as a recorder does it: allocate storage for a batch of objects (`POST /flows/{id}/storage`),
 * upload each object to its put_url, then register the batch of segments (`POST /flows/{id}/segments`).
 * Each iteration adds the next INGEST_BATCH one-second segments of the flow.
 *
 *   k6 run -e TAMS_URL=https://tams.example.com -e TAMS_TOKEN=… loadtest/k6/ingest.ts
 */
import exec from 'k6/execution';
import type { Options } from 'k6/options';
import { INGEST_BATCH, JOURNEYS, k6Thresholds } from './lib/scenarios.ts';
import { createFlow } from './lib/tams.ts';
import { ingestSegments } from './lib/ingest.ts';

const journey = JOURNEYS.ingest;

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
  return { flowId: createFlow('k6 ingest') };
}

export default function (data: { flowId: string }) {
  // Iterations are numbered across all VUs, so their segments never overlap.
  ingestSegments(data.flowId, exec.scenario.iterationInTest * INGEST_BATCH, INGEST_BATCH);
}
