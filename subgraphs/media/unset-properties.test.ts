import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaHarness } from './test-support/media-harness.js';
import { openMediaHarness } from './test-support/media-harness.js';
import { eventsSince, lastEventSeq, PUT_FLOW, videoFlow } from './test-support/operations.js';

/**
 * Optional properties the client never set stay unset (7.0 gives `tags`, `read_only` and
 * `flow_collection` no default): GraphQL answers null, the event payloads omit them. Set explicitly to
 * `[]`/`{}`/false they come back as given. Both backends, since the columns are NULL-able now.
 */

const FLOW = `query($id: ID!) {
  flow(id: $id) {
    readOnly tags { name value } flowCollection { id role } containerMapping { trackIndex }
    source { id tags { name value } }
  }
}`;
const SET_TAG = `mutation($id: ID!, $n: String!, $v: String) { setFlowTag(id: $id, name: $n, value: $v) { id } }`;
const SET_READ_ONLY = `mutation($id: ID!, $v: Boolean!) { setFlowReadOnly(id: $id, readOnly: $v) { id } }`;
const SET_LABEL = `mutation($id: ID!, $v: String) { setFlowLabel(id: $id, label: $v) { id } }`;
const SET_COLLECTION = `mutation($id: ID!, $items: [FlowCollectionItemInput!]) {
  setFlowCollection(id: $id, items: $items) { id }
}`;
const SET_SOURCE_TAG = `mutation($id: ID!, $n: String!, $v: String) { setSourceTag(id: $id, name: $n, value: $v) { id } }`;
const FLOWS_WITHOUT_TAG = `query($source: ID!, $name: String!) {
  flows(filter: { sourceId: $source, tagExists: [{ name: $name, exists: false }] }) { nodes { id } }
}`;

interface FlowView {
  readOnly: boolean | null;
  tags: { name: string; value: string }[] | null;
  flowCollection: { id: string; role: string }[] | null;
  containerMapping: { trackIndex: number | null } | null;
  source: { id: string; tags: { name: string; value: string }[] | null };
}

type Payload = Record<string, Record<string, unknown>>;

describe.each(['sqlite', 'postgres'] as const)('properties the client never set, on %s', (backend) => {
  let h: MediaHarness;
  beforeAll(async () => {
    h = await openMediaHarness({ backend });
  });
  afterAll(async () => {
    await h?.close();
  });

  const view = async (id: string) => (await h.run<{ flow: FlowView }>(FLOW, { id })).data!.flow;
  /** The `flow` (or `source`) of the last event of `type` since `seq`. */
  const lastPayload = async (seq: bigint, type: string): Promise<Record<string, unknown>> => {
    const events = (await eventsSince(h, seq)).filter((e) => e.type === type);
    expect(events.length, `a ${type} event`).toBeGreaterThan(0);
    const payload = events.at(-1)!.payload as Payload;
    return payload.flow ?? payload.source!;
  };

  it('a flow created without them has none: null in GraphQL, absent from the events', async () => {
    const id = randomUUID();
    const seq = await lastEventSeq(h);
    await h.run(PUT_FLOW, { id, flow: videoFlow() });
    expect(await view(id)).toMatchObject({
      readOnly: null,
      tags: null,
      flowCollection: null,
      containerMapping: null,
      source: { tags: null },
    });
    const flow = await lastPayload(seq, 'flows/created');
    for (const property of ['read_only', 'tags', 'flow_collection', 'container_mapping', 'label'])
      expect(flow, property).not.toHaveProperty(property);
    expect(await lastPayload(seq, 'sources/created')).not.toHaveProperty('tags');
  });

  it('set explicitly to false, {} and [] they come back as given; a replacing PUT without them unsets them', async () => {
    const id = randomUUID();
    const explicit = videoFlow({ readOnly: false, tags: [], flowCollection: [], containerMapping: {} });
    let seq = await lastEventSeq(h);
    await h.run(PUT_FLOW, { id, flow: explicit });
    expect(await view(id)).toMatchObject({
      readOnly: false,
      tags: [],
      flowCollection: [],
      containerMapping: { trackIndex: null },
    });
    expect(await lastPayload(seq, 'flows/created')).toMatchObject({
      read_only: false,
      tags: {},
      flow_collection: [],
      container_mapping: {},
    });

    seq = await lastEventSeq(h);
    const { readOnly, tags, flowCollection, containerMapping, ...rest } = explicit;
    void [readOnly, tags, flowCollection, containerMapping];
    await h.run(PUT_FLOW, { id, flow: rest });
    expect(await view(id)).toMatchObject({
      readOnly: null,
      tags: null,
      flowCollection: null,
      containerMapping: null,
    });
    const replaced = await lastPayload(seq, 'flows/updated');
    for (const property of ['read_only', 'tags', 'flow_collection', 'container_mapping'])
      expect(replaced, property).not.toHaveProperty(property);
  });

  it('tag endpoints work on entries: the first tag makes the map, removing the last leaves it empty', async () => {
    const id = randomUUID();
    await h.run(PUT_FLOW, { id, flow: videoFlow() });
    let seq = await lastEventSeq(h);
    await h.run(SET_TAG, { id, n: 'genre', v: 'news' });
    expect((await view(id)).tags).toEqual([{ name: 'genre', value: 'news' }]);
    expect(await lastPayload(seq, 'flows/updated')).toMatchObject({ tags: { genre: 'news' } });
    seq = await lastEventSeq(h);
    await h.run(SET_TAG, { id, n: 'genre', v: null });
    expect((await view(id)).tags).toEqual([]);
    expect(await lastPayload(seq, 'flows/updated')).toMatchObject({ tags: {} });
    // Removing a tag from a map that was never set is a missing tag, and changes nothing.
    const other = randomUUID();
    await h.run(PUT_FLOW, { id: other, flow: videoFlow() });
    expect(await h.errorCode(SET_TAG, { id: other, n: 'genre', v: null })).toBe('NOT_FOUND');
    expect((await view(other)).tags).toBeNull();
    // A tag called like an Object member is a tag like any other.
    expect(
      (
        await h.run<{ flow: { tag: string | null } }>(
          `query($id: ID!) { flow(id: $id) { tag(name: "constructor") } }`,
          { id: other },
        )
      ).data!.flow.tag,
    ).toBeNull();
  });

  it('source tags: null until the first one, [] after the last is removed', async () => {
    const id = randomUUID();
    await h.run(PUT_FLOW, { id, flow: videoFlow() });
    const sourceId = (await view(id)).source.id;
    let seq = await lastEventSeq(h);
    await h.run(SET_SOURCE_TAG, { id: sourceId, n: 'k', v: 'v' });
    expect((await view(id)).source.tags).toEqual([{ name: 'k', value: 'v' }]);
    expect(await lastPayload(seq, 'sources/updated')).toMatchObject({ tags: { k: 'v' } });
    seq = await lastEventSeq(h);
    await h.run(SET_SOURCE_TAG, { id: sourceId, n: 'k', v: null });
    expect((await view(id)).source.tags).toEqual([]);
    expect(await lastPayload(seq, 'sources/updated')).toMatchObject({ tags: {} });
  });

  it('an unset read_only means writable; set, it is kept as given and enforced when true', async () => {
    const id = randomUUID();
    await h.run(PUT_FLOW, { id, flow: videoFlow() });
    await h.run(SET_LABEL, { id, v: 'writable while unset' });
    await h.run(SET_READ_ONLY, { id, v: false });
    expect((await view(id)).readOnly).toBe(false);
    await h.run(SET_LABEL, { id, v: 'writable when false' });
    await h.run(SET_READ_ONLY, { id, v: true });
    expect((await view(id)).readOnly).toBe(true);
    expect(await h.errorCode(SET_LABEL, { id, v: 'refused' })).toBe('FLOW_READ_ONLY');
    expect(await h.errorCode(PUT_FLOW, { id, flow: videoFlow() })).toBe('FLOW_READ_ONLY');
  });

  it('setFlowCollection: null unsets the property, [] sets it empty, and a flow PUT keeps that apart', async () => {
    const member = randomUUID();
    await h.run(PUT_FLOW, { id: member, flow: videoFlow() });
    const id = randomUUID();
    await h.run(PUT_FLOW, { id, flow: { sourceId: randomUUID(), format: 'MULTI' } });
    await h.run(SET_COLLECTION, { id, items: [] });
    expect((await view(id)).flowCollection).toEqual([]);
    await h.run(SET_COLLECTION, { id, items: [{ id: member, role: 'video' }] });
    expect((await view(id)).flowCollection).toEqual([{ id: member, role: 'video' }]);
    const seq = await lastEventSeq(h);
    await h.run(SET_COLLECTION, { id, items: null });
    expect((await view(id)).flowCollection).toBeNull();
    expect(await lastPayload(seq, 'flows/updated')).not.toHaveProperty('flow_collection');
  });

  it('tag_exists=false selects flows whose tags were never set as well as those without the tag', async () => {
    const sourceId = randomUUID();
    const [unset, empty, tagged] = [randomUUID(), randomUUID(), randomUUID()];
    await h.run(PUT_FLOW, { id: unset, flow: videoFlow({ sourceId }) });
    await h.run(PUT_FLOW, { id: empty, flow: videoFlow({ sourceId, tags: [] }) });
    await h.run(PUT_FLOW, { id: tagged, flow: videoFlow({ sourceId, tags: [{ name: 'x', value: '1' }] }) });
    const { data } = await h.run<{ flows: { nodes: { id: string }[] } }>(FLOWS_WITHOUT_TAG, {
      source: sourceId,
      name: 'x',
    });
    expect(data!.flows.nodes.map((n) => n.id).sort()).toEqual([unset, empty].sort());
  });
});
