import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeletionWorker } from './domain/deletion-worker.js';
import type { MediaHarness } from './test-support/media-harness.js';
import { openMediaHarness } from './test-support/media-harness.js';
import {
  ADD_SEGMENTS,
  addSeconds,
  allocate,
  createFlow,
  eventsSince,
  lastEventSeq,
  SEGMENTS,
} from './test-support/operations.js';

let h: MediaHarness;
beforeAll(async () => {
  // A small synchronous limit, so the background path is exercised with a handful of segments.
  h = await openMediaHarness({ limits: { syncDeleteSegments: 5 } });
});
afterAll(async () => {
  await h.close();
});

const DELETE_SEGMENTS = `mutation($flowId: ID!, $timerange: TimeRange, $objectId: String) {
  deleteSegments(flowId: $flowId, timerange: $timerange, objectId: $objectId) { done request { id flowId timerangeToDelete deleteFlow status } }
}`;
const DELETE_FLOW = `mutation($id: ID!) { deleteFlow(id: $id) { done request { id flowId deleteFlow status timerangeToDelete } } }`;
const REQUEST = `query($id: ID!) { flowDeleteRequest(id: $id) { status timerangeRemaining expiry error { type } } }`;

type Deletion = { done: boolean; request: { id: string; status: string; deleteFlow: boolean } | null };
const timeranges = async (flowId: string) =>
  (
    await h.run<{ flow: { timerange: string; segments: { nodes: { timerange: string }[] } } | null }>(
      SEGMENTS,
      { id: flowId },
    )
  ).data!.flow;
const objectRow = async (id: string) => (await h.executor.lookup('objects', 'id', [id]))[0];

describe('deleting segments', () => {
  it('deletes only segments lying completely inside the range and keeps the flow’s timerange true', async () => {
    const flowId = await createFlow(h);
    await addSeconds(h, flowId, [0, 1, 2, 3, 4]);
    const before = await lastEventSeq(h);
    const r = await h.run<{ deleteSegments: Deletion }>(DELETE_SEGMENTS, {
      flowId,
      timerange: '[0:500000000_3:0)',
    });
    expect(r.data!.deleteSegments).toEqual({ done: true, request: null });
    const flow = await timeranges(flowId);
    // [0_1) only overlaps the range, so it stays; [1_2) and [2_3) lie inside it.
    expect(flow!.segments.nodes.map((n) => n.timerange)).toEqual(['[0:0_1:0)', '[3:0_4:0)', '[4:0_5:0)']);
    expect(flow!.timerange).toBe('[0:0_5:0)');
    const events = await eventsSince(h, before);
    expect(events.map((e) => e.type)).toEqual(['flows/segments_deleted']);
    expect(events[0]!.payload).toEqual({ flow_id: flowId, timerange: '[1:0_3:0)' });
    await h.run(DELETE_SEGMENTS, { flowId, timerange: '[4:0_' });
    expect((await timeranges(flowId))!.timerange).toBe('[0:0_4:0)');
  });

  it('deletes by object, and garbage-collects objects no flow references any more', async () => {
    const [f1, f2] = [await createFlow(h), await createFlow(h)];
    const [shared, mine] = await allocate(h, f1, 2);
    await h.objects.put(shared!, Buffer.from('shared bytes'));
    await h.objects.put(mine!, Buffer.from('my bytes'));
    await h.run(ADD_SEGMENTS, {
      flowId: f1,
      segments: [
        { objectId: shared, timerange: '[0:0_1:0)' },
        { objectId: mine, timerange: '[1:0_2:0)' },
      ],
    });
    await h.run(ADD_SEGMENTS, { flowId: f2, segments: [{ objectId: shared, timerange: '[0:0_1:0)' }] });
    await h.run(DELETE_SEGMENTS, { flowId: f1, objectId: mine });
    await h.run(DELETE_SEGMENTS, { flowId: f1, objectId: shared });
    await h.subgraph.worker.tick();
    // Still referenced by f2: kept with its bytes. Referenced by nobody: gone, bytes too.
    expect(await objectRow(shared!)).not.toBeNull();
    expect(await h.objects.get(shared!)).toEqual(Buffer.from('shared bytes'));
    expect(await objectRow(mine!)).toBeNull();
    expect(await h.objects.get(mine!)).toBeNull();
    await h.run(DELETE_SEGMENTS, { flowId: f2 });
    await h.subgraph.worker.tick();
    expect(await objectRow(shared!)).toBeNull();
  });

  it('keeps a garbage-collection candidate that a flow registers again before collection', async () => {
    const [f1, f2] = [await createFlow(h), await createFlow(h)];
    const [object] = await allocate(h, f1, 1);
    await h.run(ADD_SEGMENTS, { flowId: f1, segments: [{ objectId: object, timerange: '[0:0_1:0)' }] });
    await h.run(DELETE_SEGMENTS, { flowId: f1 });
    expect((await objectRow(object!))!.gc_candidate_since).not.toBeNull();
    await h.run(ADD_SEGMENTS, { flowId: f2, segments: [{ objectId: object, timerange: '[5:0_6:0)' }] });
    await h.subgraph.worker.tick();
    expect((await objectRow(object!))!.gc_candidate_since).toBeNull();
  });

  it('hands large deletions to a delete request that the worker completes', async () => {
    const flowId = await createFlow(h);
    await addSeconds(
      h,
      flowId,
      Array.from({ length: 12 }, (_, i) => i),
    );
    const r = await h.run<{ deleteSegments: Deletion }>(DELETE_SEGMENTS, { flowId, timerange: '[2:0_' });
    const { request } = r.data!.deleteSegments;
    expect(r.data!.deleteSegments.done).toBe(false);
    expect(request).toMatchObject({
      flowId,
      deleteFlow: false,
      status: 'CREATED',
      timerangeToDelete: '[2:0_',
    });
    while (await h.subgraph.worker.tick());
    const status = await h.run<{ flowDeleteRequest: { status: string; expiry: string | null } }>(REQUEST, {
      id: request!.id,
    });
    expect(status.data!.flowDeleteRequest).toMatchObject({ status: 'DONE' });
    expect(status.data!.flowDeleteRequest.expiry).not.toBeNull();
    expect((await timeranges(flowId))!.segments.nodes.map((n) => n.timerange)).toEqual([
      '[0:0_1:0)',
      '[1:0_2:0)',
    ]);
  });

  it('refuses read-only and unknown flows', async () => {
    expect(await h.errorCode(DELETE_SEGMENTS, { flowId: await createFlow(h, { readOnly: true }) })).toBe(
      'FLOW_READ_ONLY',
    );
    expect(await h.errorCode(DELETE_SEGMENTS, { flowId: randomUUID() })).toBe('NOT_FOUND');
  });
});

describe('deleting flows', () => {
  it('removes a small flow at once, its source with its last flow, and says so in events', async () => {
    const sourceId = randomUUID();
    const [a, b] = [await createFlow(h, { sourceId }), await createFlow(h, { sourceId })];
    await addSeconds(h, a, [0, 1]);
    const before = await lastEventSeq(h);
    expect((await h.run<{ deleteFlow: Deletion }>(DELETE_FLOW, { id: a })).data!.deleteFlow).toEqual({
      done: true,
      request: null,
    });
    expect(await timeranges(a)).toBeNull();
    expect(await h.executor.count('sources', { op: 'eq', column: 'id', value: sourceId })).toBe(1);
    await h.run(DELETE_FLOW, { id: b });
    expect(await h.executor.count('sources', { op: 'eq', column: 'id', value: sourceId })).toBe(0);
    expect((await eventsSince(h, before)).map((e) => e.type)).toEqual([
      'flows/deleted',
      'flows/deleted',
      'sources/deleted',
    ]);
    expect(await h.errorCode(DELETE_FLOW, { id: a })).toBe('NOT_FOUND');
  });

  it('hides a large flow at once and deletes its segments in the background; the id is reusable afterwards', async () => {
    const flowId = await createFlow(h);
    const objects = await addSeconds(
      h,
      flowId,
      Array.from({ length: 9 }, (_, i) => i),
    );
    const r = await h.run<{ deleteFlow: Deletion }>(DELETE_FLOW, { id: flowId });
    expect(r.data!.deleteFlow).toMatchObject({
      done: false,
      request: { deleteFlow: true, status: 'CREATED' },
    });
    expect(await timeranges(flowId)).toBeNull();
    // Reusing the id while its segments are still being deleted would mix old and new segments.
    expect(
      await h.errorCode('mutation($id: ID!, $f: FlowInput!) { putFlow(id: $id, flow: $f) { created } }', {
        id: flowId,
        f: { sourceId: randomUUID(), format: 'MULTI' },
      }),
    ).toBe('DELETION_IN_PROGRESS');
    while (await h.subgraph.worker.tick());
    expect(await h.executor.count('segments', { op: 'eq', column: 'flow_id', value: flowId })).toBe(0);
    expect(await objectRow(objects[0]!)).toBeNull();
    const done = await h.run<{ flowDeleteRequest: { status: string } }>(REQUEST, {
      id: r.data!.deleteFlow.request!.id,
    });
    expect(done.data!.flowDeleteRequest.status).toBe('DONE');
    await h.run('mutation($id: ID!, $f: FlowInput!) { putFlow(id: $id, flow: $f) { created } }', {
      id: flowId,
      f: { sourceId: randomUUID(), format: 'MULTI' },
    });
  });

  it('resumes an interrupted deletion where it stopped, from what the database holds', async () => {
    const flowId = await createFlow(h);
    await addSeconds(
      h,
      flowId,
      Array.from({ length: 9 }, (_, i) => i),
    );
    const id = (await h.run<{ deleteFlow: Deletion }>(DELETE_FLOW, { id: flowId })).data!.deleteFlow.request!
      .id;
    const remainingSegments = () =>
      h.executor.count('segments', { op: 'eq', column: 'flow_id', value: flowId });
    const status = async () =>
      (await h.run<{ flowDeleteRequest: { status: string; timerangeRemaining: string } }>(REQUEST, { id }))
        .data!.flowDeleteRequest;

    // One batch, then the process "dies": the worker that did it is never used again.
    expect(await new DeletionWorker(h.subgraph.repository, { batch: 2 }).tick()).toBe(true);
    expect(await remainingSegments()).toBe(7);
    const interrupted = await status();
    expect(interrupted.status).toBe('STARTED');
    expect(interrupted.timerangeRemaining).toBe('[2:0_'); // deleting a flow deletes all time

    // A new process's worker knows nothing but the database, and finishes the job.
    const restarted = new DeletionWorker(h.subgraph.repository, { batch: 2 });
    while (await restarted.tick());
    expect(await remainingSegments()).toBe(0);
    expect((await status()).status).toBe('DONE');
    expect(await h.executor.count('flows', { op: 'eq', column: 'id', value: flowId })).toBe(0);
  });

  it('refuses to delete a read-only flow', async () => {
    expect(await h.errorCode(DELETE_FLOW, { id: await createFlow(h, { readOnly: true }) })).toBe(
      'FLOW_READ_ONLY',
    );
  });
});

describe('delete request events (Subscription.storeEvents)', () => {
  const STORE_EVENT = `query($p: String!) {
    storeEvent(position: $p) { type tamsType flowId deleteRequest { id flowId status deleteFlow timerangeRemaining } }
  }`;

  it('records each step of a background deletion, readable with the delete scope only', async () => {
    const flowId = await createFlow(h);
    await addSeconds(
      h,
      flowId,
      Array.from({ length: 8 }, (_, i) => i),
    );
    const before = await lastEventSeq(h);
    const r = await h.run<{ deleteSegments: Deletion }>(DELETE_SEGMENTS, { flowId });
    const requestId = r.data!.deleteSegments.request!.id;
    const worker = new DeletionWorker(h.subgraph.repository, { batch: 3 });
    while (await worker.tick());
    const events = (await eventsSince(h, before)).filter((e) => e.type === 'store/delete_request_updated');
    const steps = events.map((e) => e.payload as { status: string; timerange_remaining: string | null });
    // Created, two batches of 3 that leave some, the last batch of 2.
    expect(steps.map((p) => p.status)).toEqual(['created', 'started', 'started', 'done']);
    expect(steps.map((p) => p.timerange_remaining)).toEqual(['_', '[3:0_', '[6:0_', '()']);

    // Through the feed's lookup: by position, with the delete scope; hidden from a reader.
    const [position] = await h.executor
      .readOutbox(0n, 100_000)
      .then((all) => all.filter((e) => e.seq === events[0]!.seq).map((e) => String(e.position)));
    const asDeleter = await h.run<{ storeEvent: unknown }>(
      STORE_EVENT,
      { p: position },
      { scopes: ['read', 'delete'] },
    );
    expect(asDeleter.data!.storeEvent).toEqual({
      type: 'DELETE_REQUEST_UPDATED',
      tamsType: 'store/delete_request_updated',
      flowId,
      deleteRequest: {
        id: requestId,
        flowId,
        status: 'CREATED',
        deleteFlow: false,
        timerangeRemaining: '_',
      },
    });
    const asReader = await h.run<{ storeEvent: unknown }>(STORE_EVENT, { p: position }, { scopes: ['read'] });
    expect(asReader.data!.storeEvent).toBeNull();
  });
});
