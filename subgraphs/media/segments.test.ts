import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isIn } from '../../lib/executor/index.js';
import { ObjectStoreError } from '../../lib/objects/index.js';
import type { MediaHarness } from './test-support/media-harness.js';
import { openMediaHarness } from './test-support/media-harness.js';
import {
  ADD_SEGMENTS,
  addSeconds,
  ALLOCATE,
  allocate,
  createFlow,
  eventsSince,
  lastEventSeq,
  SEGMENTS,
} from './test-support/operations.js';

let h: MediaHarness;
beforeAll(async () => {
  h = await openMediaHarness();
});
afterAll(async () => {
  await h.close();
});

type Failed = { index: number; objectId: string; timerange: string | null; error: { type: string } };
const add = async (flowId: string, segments: Record<string, unknown>[]) =>
  (await h.run<{ addSegments: { failed: Failed[] } }>(ADD_SEGMENTS, { flowId, segments })).data!.addSegments
    .failed;

describe('storage allocation', () => {
  it('allocates upload URLs carrying the flow’s container type, on the default backend', async () => {
    const flowId = await createFlow(h);
    const r = await h.run<{
      allocateStorage: { mediaObjects: { objectId: string; putUrl: { url: string; contentType: string } }[] };
    }>(ALLOCATE, { flowId, input: { limit: 3 } });
    const objects = r.data!.allocateStorage.mediaObjects;
    expect(objects).toHaveLength(3);
    expect(new Set(objects.map((o) => o.objectId)).size).toBe(3);
    for (const o of objects) {
      expect(o.putUrl.contentType).toBe('video/mp2t');
      expect(o.putUrl.url).toContain(`/object-store/${encodeURIComponent(o.objectId)}?`);
    }
    const defaults = await h.run<{ allocateStorage: { mediaObjects: unknown[] } }>(ALLOCATE, { flowId });
    expect(defaults.data!.allocateStorage.mediaObjects).toHaveLength(10);
  });

  it('takes client-chosen object ids once, and refuses ids that exist', async () => {
    const flowId = await createFlow(h);
    const ids = ['bucket/a b', `bucket/${randomUUID()}`];
    const r = await h.run<{ allocateStorage: { mediaObjects: { objectId: string }[] } }>(ALLOCATE, {
      flowId,
      input: { objectIds: ids },
    });
    expect(r.data!.allocateStorage.mediaObjects.map((o) => o.objectId)).toEqual(ids);
    expect(await h.errorCode(ALLOCATE, { flowId, input: { objectIds: [ids[0]] } })).toBe('OBJECT_EXISTS');
  });

  it('refuses bad requests: both limit and ids, unknown backend, no container, read-only, unknown flow', async () => {
    const flowId = await createFlow(h);
    expect(await h.errorCode(ALLOCATE, { flowId, input: { limit: 1, objectIds: ['x'] } })).toBe(
      'BAD_REQUEST',
    );
    expect(await h.errorCode(ALLOCATE, { flowId, input: { limit: 0 } })).toBe('BAD_REQUEST');
    expect(await h.errorCode(ALLOCATE, { flowId, input: { limit: 100_000 } })).toBe('BAD_REQUEST');
    expect(await h.errorCode(ALLOCATE, { flowId, input: { storageId: randomUUID() } })).toBe(
      'UNKNOWN_STORAGE_BACKEND',
    );
    expect(await h.errorCode(ALLOCATE, { flowId: await createFlow(h, { container: null }) })).toBe(
      'CONTAINER_NOT_SET',
    );
    expect(await h.errorCode(ALLOCATE, { flowId: await createFlow(h, { readOnly: true }) })).toBe(
      'FLOW_READ_ONLY',
    );
    expect(await h.errorCode(ALLOCATE, { flowId: randomUUID() })).toBe('NOT_FOUND');
  });

  it.each(['.', '..', 'a/.', 'c/./d', '', '/x', 'x//y', 'a\nb', 'x\uD800'])(
    'refuses the object id %j with INVALID_OBJECT_ID, allocating nothing',
    async (id) => {
      const flowId = await createFlow(h);
      expect(await h.errorCode(ALLOCATE, { flowId, input: { objectIds: ['fine', id] } })).toBe(
        'INVALID_OBJECT_ID',
      );
      // The executor cannot even look up a lone surrogate (it has no UTF-8 form): only 'fine' is asked.
      expect(await objectRows(['fine', id].filter((i) => !/[\uD800-\uDFFF]/.test(i)))).toEqual([]);
    },
  );

  it('a failure of the object store leaves nothing allocated, so a retry is as if it never happened', async () => {
    const flowId = await createFlow(h);
    const ids = [`retry/${randomUUID()}`, `retry/${randomUUID()}`];
    const presign = vi.spyOn(h.objects, 'presignPut');
    presign.mockImplementationOnce(() => {
      throw new ObjectStoreError('OBJECT_STORE_UNAVAILABLE', 'the disk is gone for a moment');
    });
    try {
      expect(await h.errorCode(ALLOCATE, { flowId, input: { objectIds: ids } })).toBe('SERVICE_UNAVAILABLE');
      expect(await objectRows(ids)).toEqual([]);
      const retried = await h.run<{ allocateStorage: { mediaObjects: { objectId: string }[] } }>(ALLOCATE, {
        flowId,
        input: { objectIds: ids },
      });
      expect(retried.data!.allocateStorage.mediaObjects.map((o) => o.objectId)).toEqual(ids);
      expect(await objectRows(ids)).toEqual([...ids].sort());
    } finally {
      presign.mockRestore();
    }
  });
});

async function objectRows(ids: string[]): Promise<string[]> {
  const page = await h.executor.select({
    table: 'objects',
    columns: ['id'],
    where: isIn('id', ids),
    limit: 10,
  });
  return page.rows.map((r) => r.id).sort();
}

describe('registering segments', () => {
  it('adds segments, updates the flow’s timerange and emits segments_added with the stored segments', async () => {
    const flowId = await createFlow(h);
    const [a, b] = await allocate(h, flowId, 2);
    const before = await lastEventSeq(h);
    const failed = await add(flowId, [
      {
        objectId: a,
        timerange: '[10:0_11:0)',
        tsOffset: '-1:0',
        sampleOffset: 0,
        sampleCount: 25,
        keyFrameCount: 1,
      },
      { objectId: b, timerange: '[11:0_12:0)', lastDuration: '0:40000000' },
    ]);
    expect(failed).toEqual([]);
    const { data } = await h.run<{ flow: { timerange: string } }>(SEGMENTS, { id: flowId });
    expect(data!.flow.timerange).toBe('[10:0_12:0)');
    const events = await eventsSince(h, before);
    expect(events.map((e) => e.type)).toEqual(['flows/segments_added']);
    expect(events[0]!.payload).toEqual({
      flow_id: flowId,
      segments: [
        {
          object_id: a,
          timerange: '[10:0_11:0)',
          ts_offset: '-1:0',
          sample_offset: 0,
          sample_count: 25,
          key_frame_count: 1,
        },
        { object_id: b, timerange: '[11:0_12:0)', ts_offset: '0:0', last_duration: '0:40000000' },
      ],
    });
  });

  it('reports each failing segment and keeps the others (7.0 bulk registration is not atomic)', async () => {
    const flowId = await createFlow(h);
    const other = await createFlow(h);
    const [o1, o2, o3] = await allocate(h, flowId, 3);
    const [foreign] = await allocate(h, other, 1);
    await add(flowId, [{ objectId: o1, timerange: '[0:0_10:0)' }]);
    const failed = await add(flowId, [
      { objectId: o2, timerange: '[5:0_15:0)' }, // overlaps a stored segment
      { objectId: o2, timerange: '[10:0_20:0)' }, // fine
      { objectId: o3, timerange: '[19:0_21:0)' }, // overlaps the one before it in this batch
      { objectId: foreign, timerange: '[30:0_31:0)' }, // allocated for another flow
      { objectId: 'elsewhere/1', timerange: '[40:0_41:0)' }, // unknown, no URLs
      { objectId: o3, timerange: '()' }, // empty
      { objectId: o3, timerange: '[50:0_' }, // unbounded
      { objectId: 'elsewhere/2', timerange: '[60:0_61:0)', getUrls: [{ url: 'not a url' }] },
      {
        objectId: 'elsewhere/3',
        timerange: '[70:0_71:0)',
        getUrls: [{ url: 'https://cdn.example/3', label: 'local' }],
      },
      { objectId: o3, timerange: '[80:0_81:0)', sampleCount: -1 },
      { objectId: 'a/../b', timerange: '[90:0_91:0)', getUrls: [{ url: 'https://cdn.example/4' }] },
    ]);
    expect(failed.map((f) => [f.index, f.error.type])).toEqual([
      [0, 'SEGMENT_OVERLAP'],
      [2, 'SEGMENT_OVERLAP'],
      [3, 'OBJECT_ALLOCATED_TO_OTHER_FLOW'],
      [4, 'UNKNOWN_OBJECT'],
      [5, 'INVALID_TIMERANGE'],
      [6, 'INVALID_TIMERANGE'],
      [7, 'BAD_REQUEST'],
      [8, 'RESERVED_URL_LABEL'],
      [9, 'BAD_REQUEST'],
      [10, 'INVALID_OBJECT_ID'],
    ]);
    expect(failed[0]).toMatchObject({ objectId: o2, timerange: '[5:0_15:0)' });
    const { data } = await h.run<{ flow: { segments: { nodes: { timerange: string }[] } } }>(SEGMENTS, {
      id: flowId,
    });
    expect(data!.flow.segments.nodes.map((n) => n.timerange)).toEqual(['[0:0_10:0)', '[10:0_20:0)']);
  });

  it('refuses the whole request for an unknown flow, a read-only flow or a flow without container', async () => {
    const seg = [{ objectId: 'x', timerange: '[0:0_1:0)', getUrls: [{ url: 'https://x.example/1' }] }];
    expect(await h.errorCode(ADD_SEGMENTS, { flowId: randomUUID(), segments: seg })).toBe('NOT_FOUND');
    expect(
      await h.errorCode(ADD_SEGMENTS, { flowId: await createFlow(h, { readOnly: true }), segments: seg }),
    ).toBe('FLOW_READ_ONLY');
    expect(
      await h.errorCode(ADD_SEGMENTS, { flowId: await createFlow(h, { container: null }), segments: seg }),
    ).toBe('CONTAINER_NOT_SET');
    expect(await h.errorCode(ADD_SEGMENTS, { flowId: 'x', segments: seg })).toBe('INVALID_ID');
  });

  it('lets other flows reuse a registered object, tracking who references it', async () => {
    const [f1, f2] = [await createFlow(h), await createFlow(h)];
    const [object] = await allocate(h, f1, 1);
    await add(f1, [{ objectId: object, timerange: '[0:0_10:0)' }]);
    expect(
      await add(f2, [{ objectId: object, timerange: '[100:0_105:0)', sampleOffset: 0, sampleCount: 125 }]),
    ).toEqual([]);
    const { data } = await h.run<{
      mediaObject: { firstReferencedByFlow: string; referencedByFlows: { nodes: string[] } };
    }>('query($id: String!) { mediaObject(id: $id) { firstReferencedByFlow referencedByFlows { nodes } } }', {
      id: object,
    });
    expect(data!.mediaObject.firstReferencedByFlow).toBe(f1);
    expect(data!.mediaObject.referencedByFlows.nodes.sort()).toEqual([f1, f2].sort());
    // Allocated but never registered: not visible as a media object (7.0 §7.3).
    const [unused] = await allocate(h, f1, 1);
    const none = await h.run<{ mediaObject: unknown }>(
      'query($id: String!) { mediaObject(id: $id) { id } }',
      { id: unused },
    );
    expect(none.data!.mediaObject).toBeNull();
  });
});

describe('listing segments', () => {
  it('filters by overlap, pages forwards and backwards, and reports the returned range', async () => {
    const flowId = await createFlow(h);
    await addSeconds(
      h,
      flowId,
      Array.from({ length: 30 }, (_, i) => i),
    );
    type Listing = {
      flow: {
        segments: {
          nodes: { timerange: string }[];
          pageInfo: { endCursor: string | null };
          timerange: string;
        };
      };
    };
    for (const reverse of [false, true]) {
      const seen: string[] = [];
      let after: string | null = null;
      do {
        const r: { data?: Listing | null } = await h.run<Listing>(SEGMENTS, {
          id: flowId,
          timerange: '[4:500000000_25:0)',
          reverse,
          limit: 7,
          after,
        });
        seen.push(...r.data!.flow.segments.nodes.map((n) => n.timerange));
        after = r.data!.flow.segments.pageInfo.endCursor;
      } while (after);
      const expected = Array.from({ length: 21 }, (_, i) => `[${i + 4}:0_${i + 5}:0)`);
      expect(seen).toEqual(reverse ? expected.reverse() : expected);
    }
    const page = await h.run<Listing>(SEGMENTS, { id: flowId, timerange: '[10:0_13:0)' });
    expect(page.data!.flow.segments.timerange).toBe('[10:0_13:0)');
    const none = await h.run<Listing>(SEGMENTS, { id: flowId, timerange: '[100:0_' });
    expect(none.data!.flow.segments).toMatchObject({ nodes: [], timerange: '()' });
    expect(await h.errorCode(SEGMENTS, { id: flowId, after: 'forged' })).toBe('INVALID_PAGE_KEY');
    expect(await h.errorCode(SEGMENTS, { id: flowId, timerange: '[1:0' + '_2:05)' })).toBe('BAD_USER_INPUT');
    expect(await h.errorCode(SEGMENTS, { id: flowId, limit: 0 })).toBe('BAD_REQUEST');
    const clamped = await h.run<{ flow: { segments: { pageInfo: { limit: number } } } }>(SEGMENTS, {
      id: flowId,
      limit: 1e6,
    });
    expect(clamped.data!.flow.segments.pageInfo.limit).toBe(1000);
  });

  it('gives controlled and registered get URLs, filtered as 7.0 filters them', async () => {
    const flowId = await createFlow(h);
    const [own] = await allocate(h, flowId, 1);
    await add(flowId, [
      { objectId: own, timerange: '[0:0_1:0)', getUrls: [{ url: 'https://cdn.example/own', label: 'cdn' }] },
      { objectId: 'external/1', timerange: '[1:0_2:0)', getUrls: [{ url: 'https://archive.example/1' }] },
    ]);
    const backend = (
      await h.run<{ storageBackends: { id: string; label: string }[] }>('{ storageBackends { id label } }')
    ).data!.storageBackends[0]!;
    const query = `query($id: ID!, $labels: [String!], $storage: [ID!], $presigned: Boolean) {
      flow(id: $id) { segments { nodes { objectId getUrls(acceptLabels: $labels, acceptStorageIds: $storage, presigned: $presigned) {
        url label presigned controlled storageId storeType provider storeProduct } } } } }`;
    type R = {
      flow: {
        segments: { nodes: { getUrls: { url: string; label: string | null; controlled: boolean }[] }[] };
      };
    };
    const urls = async (vars: Record<string, unknown>) =>
      (await h.run<R>(query, { id: flowId, ...vars })).data!.flow.segments.nodes.map((n) =>
        n.getUrls.map((u) => u.label ?? u.url),
      );
    const all = (await h.run<R>(query, { id: flowId })).data!.flow.segments.nodes;
    expect(all[0]!.getUrls[0]).toMatchObject({
      label: backend.label,
      presigned: true,
      controlled: true,
      storageId: backend.id,
      storeType: 'http_object_store',
    });
    expect(all[0]!.getUrls[1]).toEqual({
      url: 'https://cdn.example/own',
      label: 'cdn',
      presigned: false,
      controlled: false,
      storageId: null,
      storeType: null,
      provider: null,
      storeProduct: null,
    });
    expect(await urls({})).toEqual([[backend.label, 'cdn'], ['https://archive.example/1']]);
    expect(await urls({ labels: [] })).toEqual([[], []]);
    expect(await urls({ labels: ['cdn'] })).toEqual([['cdn'], []]);
    expect(await urls({ storage: [backend.id] })).toEqual([[backend.label], []]);
    expect(await urls({ storage: [] })).toEqual([[backend.label, 'cdn'], ['https://archive.example/1']]);
    expect(await urls({ presigned: true })).toEqual([[backend.label], []]);
    expect(await urls({ presigned: false })).toEqual([['cdn'], ['https://archive.example/1']]);
  });
});

describe('Query.segments', () => {
  const QUERY = `query($flowId: ID!, $limit: Int, $after: String, $storage: [ID!]) {
    segments(flowId: $flowId, limit: $limit, after: $after) {
      nodes { objectId getUrls(acceptStorageIds: $storage) { url } }
      pageInfo { endCursor limit }
      timerange
    }
  }`;
  type R = {
    segments: {
      nodes: { objectId: string }[];
      pageInfo: { endCursor: string | null; limit: number };
      timerange: string;
    };
  };

  it('lists a flow’s segments as Flow.segments does, and a missing flow’s as an empty page (7.0)', async () => {
    const flowId = await createFlow(h);
    await addSeconds(h, flowId, [0, 1, 2]);
    const page = (await h.run<R>(QUERY, { flowId, limit: 2 })).data!.segments;
    expect(page.nodes).toHaveLength(2);
    expect(page.pageInfo.limit).toBe(2);
    expect(page.timerange).toBe('[0:0_2:0)');
    const rest = (await h.run<R>(QUERY, { flowId, limit: 2, after: page.pageInfo.endCursor })).data!.segments;
    expect(rest.nodes).toHaveLength(1);
    expect(rest.pageInfo.endCursor).toBeNull();

    const missing = (await h.run<R>(QUERY, { flowId: randomUUID(), limit: 5000 })).data!.segments;
    expect(missing).toEqual({ nodes: [], pageInfo: { endCursor: null, limit: 1000 }, timerange: '()' });
    const byDefault = (await h.run<R>(QUERY, { flowId: randomUUID() })).data!.segments;
    expect(byDefault.pageInfo.limit).toBe(100);
  });

  it('checks its arguments whether or not the flow exists', async () => {
    for (const flowId of [await createFlow(h), randomUUID()])
      expect(await h.errorCode(QUERY, { flowId, limit: 0 })).toBe('BAD_REQUEST');
    expect(await h.errorCode(QUERY, { flowId: 'not-a-uuid' })).toBe('INVALID_ID');
  });

  it('refuses storage ids that are not UUIDs where get URLs are made', async () => {
    const flowId = await createFlow(h);
    await addSeconds(h, flowId, [0]);
    expect(await h.errorCode(QUERY, { flowId, storage: ['not-a-uuid'] })).toBe('INVALID_ID');
  });
});
