import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaHarness } from './test-support/media-harness.js';
import { openMediaHarness } from './test-support/media-harness.js';
import { createFlow, eventsSince, lastEventSeq, PUT_FLOW } from './test-support/operations.js';

let h: MediaHarness;
beforeAll(async () => {
  h = await openMediaHarness();
});
afterAll(async () => {
  await h.close();
});

const SET_COLLECTION = `mutation($id: ID!, $items: [FlowCollectionItemInput!]) {
  setFlowCollection(id: $id, items: $items) { id flowCollection { id role containerMapping { trackIndex } flow { id } } }
}`;
const COLLECTED = `query($id: ID!) { flow(id: $id) { collectedBy source { id collectedBy sourceCollection { id role } } } }`;

describe('flow collections', () => {
  it('keeps members’ collected_by and the inferred source collections in step', async () => {
    const [video, audio] = [
      await createFlow(h),
      await createFlow(h, {
        format: 'AUDIO',
        codec: 'audio/aac',
        video: null,
        audio: { sampleRate: 48000, channels: 2 },
      }),
    ];
    const multiSource = randomUUID();
    const multi = randomUUID();
    const before = await lastEventSeq(h);
    await h.run(PUT_FLOW, {
      id: multi,
      flow: {
        sourceId: multiSource,
        format: 'MULTI',
        flowCollection: [
          { id: video, role: 'video', containerMapping: { trackIndex: 0 } },
          { id: audio, role: 'audio' },
        ],
      },
    });
    const types = (await eventsSince(h, before)).map((e) => e.type);
    expect(types.filter((t) => t === 'flows/updated')).toHaveLength(2); // both members gained a collector
    expect(types).toContain('flows/created');
    const member = await h.run<{
      flow: { collectedBy: string[]; source: { id: string; collectedBy: string[] } };
    }>(COLLECTED, {
      id: video,
    });
    expect(member.data!.flow.collectedBy).toEqual([multi]);
    expect(member.data!.flow.source.collectedBy).toEqual([multiSource]);
    const collector = await h.run<{ flow: { source: { sourceCollection: { id: string; role: string }[] } } }>(
      COLLECTED,
      { id: multi },
    );
    const videoSource = member.data!.flow.source.id;
    const members = await h.run<{ flows: { nodes: { id: string }[] } }>(
      'query($c: ID!) { flows(filter: { collectedBy: $c }) { nodes { id } } }',
      { c: multi },
    );
    expect(members.data!.flows.nodes.map((n) => n.id).sort()).toEqual([video, audio].sort());
    expect(collector.data!.flow.source.sourceCollection.map((i) => i.role).sort()).toEqual([
      'audio',
      'video',
    ]);
    expect(collector.data!.flow.source.sourceCollection).toContainEqual({ id: videoSource, role: 'video' });

    // Replacing the collection: audio leaves.
    const r = await h.run<{ setFlowCollection: { flowCollection: { id: string; flow: { id: string } }[] } }>(
      SET_COLLECTION,
      {
        id: multi,
        items: [{ id: video, role: 'video' }],
      },
    );
    expect(r.data!.setFlowCollection.flowCollection.map((i) => i.flow.id)).toEqual([video]);
    const gone = await h.run<{ flow: { collectedBy: string[] } }>(COLLECTED, { id: audio });
    expect(gone.data!.flow.collectedBy).toEqual([]);

    // Deleting the collector frees the members.
    await h.run('mutation($id: ID!) { deleteFlow(id: $id) { done } }', { id: multi });
    const freed = await h.run<{ flow: { collectedBy: string[]; source: { collectedBy: string[] } } }>(
      COLLECTED,
      { id: video },
    );
    expect(freed.data!.flow).toMatchObject({ collectedBy: [], source: { collectedBy: [] } });
  });

  it('refuses members that are not flows of the store', async () => {
    const id = await createFlow(h);
    expect(await h.errorCode(SET_COLLECTION, { id, items: [{ id: randomUUID(), role: 'x' }] })).toBe(
      'UNKNOWN_COLLECTION_MEMBER',
    );
    expect(await h.errorCode(SET_COLLECTION, { id, items: [{ id: 'bad', role: 'x' }] })).toBe('INVALID_ID');
  });
});
