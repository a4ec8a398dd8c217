/**
 * A day in a live studio: recorders ingest 50 segments/s across 20 flows (allocate, upload, register,
 * one segment each) while 100 readers page through flows and 200 dashboards watch them over graphql-ws.
 * STUDIO_DURATION (a k6 duration, default 5m) sets how long, DASHBOARD_WATCH_S how long a dashboard
 * watches before it reconnects (default 30).
 *
 *   k6 run -e TAMS_URL=https://tams.example.com -e TAMS_TOKEN=… loadtest/k6/live-studio.ts
 */
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import type { Options } from 'k6/options';
import {
  CHECKS,
  DASHBOARD_WATCH_SECONDS,
  JOURNEYS,
  k6Thresholds,
  readerPagePath,
  SEED,
  STUDIO_INGEST_PER_SECOND,
} from './lib/scenarios.ts';
import { watchFlow } from './lib/graphql-ws.ts';
import { ingestSegments } from './lib/ingest.ts';
import { answer, checkAnswer, createFlow, get, seedSegments } from './lib/tams.ts';

const { studioIngest, studioReaders, studioDashboards } = JOURNEYS;
const duration = __ENV.STUDIO_DURATION ?? studioIngest.duration;
const watchSeconds = Number(__ENV.DASHBOARD_WATCH_S ?? DASHBOARD_WATCH_SECONDS);
/** Pages a reader reads before thinking; READER_THINK_SECONDS between passes. */
const READER_PAGES = 5;
const READER_THINK_SECONDS = 1;

export const options: Options = {
  scenarios: {
    recorders: {
      executor: 'constant-arrival-rate',
      exec: 'recorder',
      rate: STUDIO_INGEST_PER_SECOND,
      timeUnit: '1s',
      duration,
      preAllocatedVUs: studioIngest.vus,
      maxVUs: studioIngest.vus * 5,
      tags: { journey: studioIngest.name },
    },
    readers: {
      executor: 'constant-vus',
      exec: 'reader',
      vus: studioReaders.vus,
      duration,
      tags: { journey: studioReaders.name },
    },
    dashboards: {
      executor: 'constant-vus',
      exec: 'dashboard',
      vus: studioDashboards.vus,
      duration,
      tags: { journey: studioDashboards.name },
    },
  },
  thresholds: k6Thresholds([studioIngest, studioReaders]),
};

interface Studio {
  flows: string[];
}

export function setup(): Studio {
  const flows: string[] = [];
  for (let i = 0; i < SEED.studioFlows; i++) {
    const flowId = createFlow(`k6 studio camera ${i}`);
    seedSegments(flowId, SEED.studioInitialSegments);
    flows.push(flowId);
  }
  return { flows };
}

/** One segment on the next flow, round robin: iteration i writes segment i / flows of flow i mod flows. */
export function recorder(data: Studio) {
  const i = exec.scenario.iterationInTest;
  const flowId = data.flows[i % data.flows.length]!;
  ingestSegments(flowId, SEED.studioInitialSegments + Math.floor(i / data.flows.length), 1);
}

/** Pages through a random flow from its start, following the paging key. */
export function reader(data: Studio) {
  const flowId = data.flows[Math.floor(Math.random() * data.flows.length)]!;
  let pageKey: string | undefined;
  for (let page = 0; page < READER_PAGES; page++) {
    const res = get(readerPagePath(flowId, pageKey), { name: 'GET /flows/{id}/segments?limit=100' });
    if (!checkAnswer(res, CHECKS.readerPage)) break;
    pageKey = answer(res).header('x-paging-nextkey');
    if (!pageKey) break;
  }
  sleep(READER_THINK_SECONDS);
}

/** Watches one flow's segment count for `watchSeconds`; the counts must never go back. */
export function dashboard(data: Studio) {
  const flowId = data.flows[exec.vu.idInTest % data.flows.length]!;
  let last = -1;
  let regressed = false;
  watchFlow(
    flowId,
    watchSeconds,
    {
      onUpdate(update) {
        if (update.segmentCount < last) regressed = true;
        last = update.segmentCount;
      },
      onEnd() {
        check(null, { 'dashboard: segment counts never go back': () => !regressed });
      },
    },
    { journey: studioDashboards.name },
  );
}
