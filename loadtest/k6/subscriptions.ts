/**
 * graphql-ws subscriptions: each VU subscribes to `flowUpdated` of its own flow, then writes segments
 * to that flow (allocate, upload, register) every WRITE_EVERY_MS until an update reflects one, and
 * records the time from the registration being sent to the update (`tams_update_latency`).
 *
 *   k6 run -e TAMS_URL=https://tams.example.com -e TAMS_TOKEN=… loadtest/k6/subscriptions.ts
 */
import { check } from 'k6';
import exec from 'k6/execution';
import type { Options } from 'k6/options';
import { clearInterval, setInterval } from 'k6/timers';
import { JOURNEYS, k6Thresholds, UPDATE_LATENCY_LIMITS } from './lib/scenarios.ts';
import { updateLatency, watchFlow } from './lib/graphql-ws.ts';
import { ingestSegments } from './lib/ingest.ts';
import { createFlow } from './lib/tams.ts';

const journey = JOURNEYS.subscriptions;
/** Writes until the subscription has seen one (the server registers a subscription asynchronously). */
const WRITE_EVERY_MS = 250;
const WATCH_SECONDS = 15;

export const options: Options = {
  scenarios: {
    [journey.name]: {
      executor: 'constant-vus',
      vus: journey.vus,
      duration: journey.duration,
      tags: { journey: journey.name },
    },
  },
  thresholds: {
    ...k6Thresholds([journey]),
    tams_update_latency: [`p(95)<${UPDATE_LATENCY_LIMITS.p95Ms}`, `p(99)<${UPDATE_LATENCY_LIMITS.p99Ms}`],
  },
};

export function setup() {
  // One flow per VU, so a VU's writes are the only ones its subscription sees.
  return { flows: Array.from({ length: journey.vus }, (_, i) => createFlow(`k6 subscriptions ${i}`)) };
}

/**
 * This VU's writes so far (module state is per VU in k6). Segment indexes are spaced by VU, so VUs that
 * share a flow (more VUs than flows, e.g. `k6 run --vus`) never write overlapping segments.
 */
let next = 0;
const VU_SPACING = 1_000_000;

export default function (data: { flows: string[] }) {
  const flowId = data.flows[(exec.vu.idInTest - 1) % data.flows.length]!;
  /** Registration send times by the segment's end second (its lastEnd once reflected). */
  const pending = new Map<number, number>();
  let writer: number | undefined;
  let seen = false;
  watchFlow(flowId, WATCH_SECONDS, {
    onReady() {
      const write = () => {
        const index = exec.vu.idInTest * VU_SPACING + next++;
        const sentAt = ingestSegments(flowId, index, 1);
        if (sentAt !== null) pending.set(index + 1, sentAt);
      };
      write();
      writer = setInterval(write, WRITE_EVERY_MS);
    },
    onUpdate(update) {
      const end = update.lastEnd === null ? -1 : Number(update.lastEnd.split(':')[0]);
      const now = Date.now();
      for (const [endSecond, sentAt] of pending)
        if (endSecond <= end) {
          updateLatency.add(now - sentAt);
          pending.delete(endSecond);
          seen = true;
        }
      return seen;
    },
    onEnd() {
      if (writer !== undefined) clearInterval(writer);
      check(null, { 'subscription: an update reflected a write': () => seen });
    },
  });
}
