/**
 * The mixed scenario of the stress runs: a scaled "day in a live studio" (loadtest/k6/live-studio.ts,
 * requests from loadtest/k6/lib/scenarios.ts): recorders register one segment at a time (allocate, then
 * register) on their flows, readers page through flows, and GraphQL clients ask across both subgraphs.
 * Every 201 registration is kept for the audit. Loops run until `stop.stopped`; a 503/429 makes a loop
 * wait its Retry-After, as a well-behaved client does.
 */
import {
  allocatedObjects,
  CROSS_SUBGRAPH_QUERY,
  readerPagePath,
  segmentBatch,
  segmentsPath,
  storagePath,
} from '../k6/lib/scenarios.js';
import type { LoadClient, Sent } from './client.js';
import { sleep } from './client.js';
import type { Recorder } from './recorder.js';

export interface Mix {
  readonly writers: number;
  /** Pause between a writer's registrations, ms. */
  readonly writeIntervalMs: number;
  readonly readers: number;
  readonly graphql: number;
  /** Pause between a reader's (or GraphQL client's) passes, ms. */
  readonly thinkMs: number;
}

/** What the live studio's share of one small machine looks like: ~40 writes/s, ~20 readers, ~10 GraphQL clients. */
export const STUDIO_MIX: Mix = { writers: 8, writeIntervalMs: 200, readers: 20, graphql: 10, thinkMs: 200 };

export interface Stop {
  stopped: boolean;
}

export interface Studio {
  readonly flows: readonly string[];
  /** The next free segment index of each flow (writers share it, so no two register the same range). */
  readonly next: Map<string, number>;
}

/** Runs the mix until `stop.stopped`; resolves when every loop has ended. */
export async function runMix(client: LoadClient, recorder: Recorder, studio: Studio, mix: Mix, stop: Stop) {
  const loops: Promise<void>[] = [];
  for (let i = 0; i < mix.writers; i++)
    loops.push(writer(client, recorder, studio, studio.flows[i % studio.flows.length]!, mix, stop));
  for (let i = 0; i < mix.readers; i++) loops.push(reader(client, studio, mix, stop));
  for (let i = 0; i < mix.graphql; i++) loops.push(graphql(client, studio, mix, stop));
  await Promise.all(loops);
}

/** Waits what a refusal asked for, or `ms` (a pause that also spreads retries after a failure). */
const pause = (sent: Sent, ms: number) =>
  sleep(sent.retryAfterS !== undefined ? sent.retryAfterS * 1000 : ms);

async function writer(
  client: LoadClient,
  recorder: Recorder,
  studio: Studio,
  flowId: string,
  mix: Mix,
  stop: Stop,
) {
  while (!stop.stopped) {
    const allocated = await client.send('allocate', 'POST', storagePath(flowId), { limit: 1 });
    if (allocated.outcome !== '201' || !allocated.answer) {
      await pause(allocated, mix.writeIntervalMs);
      continue;
    }
    const objectId = allocatedObjects(allocated.answer)[0]!.objectId;
    const index = studio.next.get(flowId)!;
    studio.next.set(flowId, index + 1);
    const [segment] = segmentBatch([objectId], index);
    const registered = await client.send('register', 'POST', segmentsPath(flowId), [segment]);
    if (registered.outcome === '201')
      recorder.acknowledged.push({ flowId, objectId, timerange: segment!.timerange });
    await pause(registered, mix.writeIntervalMs);
  }
}

async function reader(client: LoadClient, studio: Studio, mix: Mix, stop: Stop) {
  while (!stop.stopped) {
    const flowId = studio.flows[Math.floor(Math.random() * studio.flows.length)]!;
    let pageKey: string | undefined;
    let last: Sent | undefined;
    for (let page = 0; page < 3 && !stop.stopped; page++) {
      last = await client.send('read-page', 'GET', readerPagePath(flowId, pageKey));
      pageKey = last.outcome === '200' ? last.answer?.header('x-paging-nextkey') : undefined;
      if (!pageKey) break;
    }
    if (last) await pause(last, mix.thinkMs);
  }
}

async function graphql(client: LoadClient, studio: Studio, mix: Mix, stop: Stop) {
  while (!stop.stopped) {
    const flowId = studio.flows[Math.floor(Math.random() * studio.flows.length)]!;
    const sent = await client.send('graphql', 'POST', '/graphql', {
      query: CROSS_SUBGRAPH_QUERY,
      variables: { id: flowId },
    });
    await pause(sent, mix.thinkMs);
  }
}
