import { randomUUID } from 'node:crypto';
import type { ConformanceClient } from '../conformance-client.js';
import { p } from '../path-matching.js';

/** Flows and segments the families of segments, storage, objects and deletion build on. */

export function videoFlowBody(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    source_id: randomUUID(),
    format: 'urn:x-nmos:format:video',
    codec: 'video/h264',
    container: 'video/mp2t',
    essence_parameters: { frame_width: 1920, frame_height: 1080, frame_rate: { numerator: 25 } },
    ...overrides,
  };
}

export async function createFlow(
  client: ConformanceClient,
  overrides: Record<string, unknown> = {},
): Promise<string> {
  const id = randomUUID();
  await client.put(p`/flows/${id}`, { body: videoFlowBody(id, overrides), expectStatus: 201 });
  return id;
}

export async function allocate(client: ConformanceClient, flowId: string, limit: number): Promise<string[]> {
  const r = await client.post<{ media_objects: { object_id: string }[] }>(p`/flows/${flowId}/storage`, {
    body: { limit },
    expectStatus: 201,
  });
  return r.body.media_objects.map((o) => o.object_id);
}

/** Registers `[s:0_s+1:0)` for each second s, each on a new object. Returns the object ids. */
export async function addSeconds(
  client: ConformanceClient,
  flowId: string,
  seconds: readonly number[],
): Promise<string[]> {
  const objects = await allocate(client, flowId, seconds.length);
  await client.post(p`/flows/${flowId}/segments`, {
    body: seconds.map((s, i) => ({ object_id: objects[i], timerange: `[${s}:0_${s + 1}:0)` })),
    expectStatus: 201,
  });
  return objects;
}
