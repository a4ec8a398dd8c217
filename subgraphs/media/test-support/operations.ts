import { randomUUID } from 'node:crypto';
import type { MediaHarness } from './media-harness.js';

/** GraphQL operations the media tests share, and small helpers around them. */

export const PUT_FLOW = `mutation PutFlow($id: ID!, $flow: FlowInput!) {
  putFlow(id: $id, flow: $flow) { created flow { id metadataVersion } }
}`;

export const ADD_SEGMENTS = `mutation Add($flowId: ID!, $segments: [SegmentInput!]!) {
  addSegments(flowId: $flowId, segments: $segments) { failed { index objectId timerange error { type summary } } }
}`;

export const ALLOCATE = `mutation Allocate($flowId: ID!, $input: StorageAllocationInput) {
  allocateStorage(flowId: $flowId, input: $input) { mediaObjects { objectId putUrl { url contentType headers } } }
}`;

export const SEGMENTS = `query Segments($id: ID!, $timerange: TimeRange, $reverse: Boolean, $limit: Int, $after: String, $objectId: String) {
  flow(id: $id) {
    timerange
    segments(timerange: $timerange, reverseOrder: $reverse, limit: $limit, after: $after, objectId: $objectId) {
      nodes { objectId timerange }
      pageInfo { endCursor hasNextPage limit }
      timerange
    }
  }
}`;

export function videoFlow(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sourceId: randomUUID(),
    format: 'VIDEO',
    codec: 'video/h264',
    container: 'video/mp2t',
    video: { frameWidth: 1920, frameHeight: 1080, frameRate: { numerator: 25 } },
    ...overrides,
  };
}

export async function createFlow(h: MediaHarness, overrides: Record<string, unknown> = {}): Promise<string> {
  const id = randomUUID();
  await h.run(PUT_FLOW, { id, flow: videoFlow(overrides) });
  return id;
}

export async function allocate(h: MediaHarness, flowId: string, limit: number): Promise<string[]> {
  const r = await h.run<{ allocateStorage: { mediaObjects: { objectId: string }[] } }>(ALLOCATE, {
    flowId,
    input: { limit },
  });
  return r.data!.allocateStorage.mediaObjects.map((o) => o.objectId);
}

/** Registers one-second segments `[i:0_i+1:0)` for each i, each on its own newly allocated object. */
export async function addSeconds(
  h: MediaHarness,
  flowId: string,
  seconds: readonly number[],
): Promise<string[]> {
  const objects = await allocate(h, flowId, seconds.length);
  const r = await h.run<{ addSegments: { failed: unknown[] } }>(ADD_SEGMENTS, {
    flowId,
    segments: seconds.map((s, i) => ({ objectId: objects[i], timerange: `[${s}:0_${s + 1}:0)` })),
  });
  if (r.data!.addSegments.failed.length)
    throw new Error(`segments failed: ${JSON.stringify(r.data!.addSegments.failed)}`);
  return objects;
}

/** Event types written to the outbox since `afterSeq`, in order. */
export async function eventsSince(
  h: MediaHarness,
  afterSeq = 0n,
): Promise<{ seq: bigint; type: string; payload: unknown }[]> {
  const page = await h.executor.select({
    table: 'event_outbox',
    where: { op: 'range', column: 'seq', gt: afterSeq },
    orderBy: [{ column: 'seq' }],
    limit: 10_000,
  });
  return page.rows.map((r) => ({ seq: r.seq, type: r.event_type, payload: r.payload }));
}

export async function lastEventSeq(h: MediaHarness): Promise<bigint> {
  const page = await h.executor.select({
    table: 'event_outbox',
    columns: ['seq'],
    orderBy: [{ column: 'seq', direction: 'desc' }],
    limit: 1,
  });
  return page.rows[0]?.seq ?? 0n;
}
