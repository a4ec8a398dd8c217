import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ConformanceClient } from '../conformance-client.js';
import type { ConformanceFamily } from '../family.js';
import { p } from '../path-matching.js';
import type { CollectionItem, Flow } from './fixtures.js';
import {
  AWKWARD_TAG,
  createFlow,
  expectRefusedBody,
  getFlow,
  newFlow,
  REFUSABLE_TAG_NAMES,
} from './fixtures.js';

/**
 * The Flow property endpoints (DIGEST §1.3, §4.2–§4.4): /flows/{flowId}/tags, /tags/{name},
 * /description, /label, /read_only, /flow_collection, /max_bit_rate and /avg_bit_rate. Each is checked
 * for its round trip through the Flow, its refusals (400 wrong JSON type, 404 unknown or malformed
 * Flow), and its behaviour on a read-only Flow (403; read_only itself stays writable).
 */

/** `/flows/{id}/{property}`, the id percent-encoded; `property` may already hold an encoded tag name. */
const at = (flowId: string, property: string) => `${p`/flows/${flowId}`}/${property}`;

/** Ids that name no Flow: well-formed and unknown, or malformed (7.0: 404 for both). */
const missingIds = () => [randomUUID(), 'not-a-uuid'];

/** 404 for GET and HEAD, and for PUT and DELETE where the property has them, on Flows that do not exist. */
async function expectMissingFlow404(
  client: ConformanceClient,
  property: string,
  methods: { put?: unknown; delete?: boolean },
) {
  for (const id of missingIds()) {
    await client.expectHeadMatchesGet(at(id, property), { expectStatus: 404 });
    if (methods.put !== undefined)
      await client.put(at(id, property), { body: methods.put, expectStatus: 404 });
    if (methods.delete) await client.delete(at(id, property), { expectStatus: 404 });
  }
}

/** The Flow's metadata_version, which must change with every metadata change (S:flow-core.json). */
async function expectNewMetadataVersion(client: ConformanceClient, flowId: string, before: Flow) {
  const after = await getFlow(client, flowId);
  if (before.metadata_version !== undefined) expect(after.metadata_version).not.toBe(before.metadata_version);
  return after;
}

const sortedById = (items: readonly CollectionItem[] | undefined) =>
  [...(items ?? [])].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

/** The string properties: a JSON string body, GET 404 while unset. */
const TEXT_PROPERTIES = ['label', 'description'] as const;
const BIT_RATES = ['max_bit_rate', 'avg_bit_rate'] as const;

export const flowPropertiesFamily: ConformanceFamily = {
  name: 'flow properties: /flows/{flowId}/tags…, label, description, read_only, flow_collection, bit rates',
  define(context) {
    describe('/flows/{flowId}/tags and /tags/{name}', () => {
      it('GET and HEAD /tags return the tags of the Flow; 404 for unknown and malformed Flows', async () => {
        const { client } = context();
        const tagged = await createFlow(client, newFlow('video', { tags: { genre: 'news', 'a.b': 'c' } }));
        const { get } = await client.expectHeadMatchesGet(at(tagged.id, 'tags'), { expectStatus: 200 });
        expect(get.body).toEqual({ genre: 'news', 'a.b': 'c' });
        const bare = await createFlow(client, newFlow('audio'));
        expect((await client.get(at(bare.id, 'tags'), { expectStatus: 200 })).body).toEqual({});
        await expectMissingFlow404(client, 'tags', {});
      });

      it('PUT sets a tag (204), GET and HEAD read it, DELETE removes it; names are decoded once', async () => {
        const { client } = context();
        const flow = await createFlow(client, newFlow('video', { tags: { keep: 'me' } }));
        for (const name of ['genre', AWKWARD_TAG, 'literally%41']) {
          const path = p`/flows/${flow.id}/tags/${name}`;
          await client.expectHeadMatchesGet(path, { expectStatus: 404 });
          const before = await getFlow(client, flow.id);
          await client.put(path, { body: 'first', expectStatus: 204 });
          await client.put(path, { body: name, expectStatus: 204 });
          expect((await client.expectHeadMatchesGet(path, { expectStatus: 200 })).get.body).toBe(name);
          expect((await expectNewMetadataVersion(client, flow.id, before)).tags).toEqual({
            keep: 'me',
            [name]: name,
          });
          await client.delete(path, { expectStatus: 204 });
          await client.expectHeadMatchesGet(path, { expectStatus: 404 });
          // 7.0 names only an invalid Flow id for this 404; a store may also answer 404 for a missing tag.
          await client.delete(path, { expectStatus: [204, 404] });
        }
        expect((await getFlow(client, flow.id)).tags).toEqual({ keep: 'me' });
        await client.get(p`/flows/${flow.id}/tags/${'literallyA'}`, { expectStatus: 404 });
      });

      it('400 for a tag value that is not a JSON string; 404 for unknown and malformed Flows', async () => {
        const { client, spec } = context();
        const flow = await createFlow(client, newFlow('data', { tags: { genre: 'news' } }));
        const path = p`/flows/${flow.id}/tags/${'genre'}`;
        await expectRefusedBody(client, spec, 'PUT', '/flows/{flowId}/tags/{name}', path, [
          42,
          ['news', 'sport'], // lists of values arrived in 8.0
          { value: 'x' },
          null,
        ]);
        expect((await client.get(path, { expectStatus: 200 })).body).toBe('news');
        await expectMissingFlow404(client, 'tags/genre', { put: 'news', delete: true });
      });

      it('DELETE of a tag name the store refuses is 404, the only refusal 7.0 declares there', async () => {
        const { client } = context();
        const flow = await createFlow(client, newFlow('audio'));
        // PUT may refuse such a name with 400 (declared there, if for values); DELETE declares no 400: the
        // tag is not there, whatever the store thinks of its name.
        for (const name of REFUSABLE_TAG_NAMES)
          await client.delete(p`/flows/${flow.id}/tags/${name}`, { expectStatus: 404 });
      });
    });

    for (const field of TEXT_PROPERTIES)
      describe(`/flows/{flowId}/${field}`, () => {
        it('GET is 404 while unset; PUT sets it (204); DELETE unsets it (204)', async () => {
          const { client } = context();
          const flow = await createFlow(client, newFlow('video'));
          // label: 7.0's own wording (changed in 8.1); description: DIGEST §4.3 Rec, for the same reason.
          await client.expectHeadMatchesGet(at(flow.id, field), { expectStatus: 404 });
          await client.put(at(flow.id, field), { body: `first ${field}`, expectStatus: 204 });
          await client.put(at(flow.id, field), { body: `second ${field}`, expectStatus: 204 });
          const { get } = await client.expectHeadMatchesGet(at(flow.id, field), { expectStatus: 200 });
          expect(get.body).toBe(`second ${field}`);
          const withValue = await expectNewMetadataVersion(client, flow.id, flow);
          expect(withValue[field]).toBe(`second ${field}`);

          await client.delete(at(flow.id, field), { expectStatus: 204 });
          await client.expectHeadMatchesGet(at(flow.id, field), { expectStatus: 404 });
          expect((await expectNewMetadataVersion(client, flow.id, withValue))[field]).toBeUndefined();
        });

        it('400 for a value that is not a JSON string; 404 for unknown and malformed Flows', async () => {
          const { client, spec } = context();
          const flow = await createFlow(client, newFlow('audio', { [field]: 'kept' }));
          await expectRefusedBody(client, spec, 'PUT', `/flows/{flowId}/${field}`, at(flow.id, field), [
            42,
            ['kept'],
            { [field]: 'x' },
            null,
          ]);
          expect((await client.get(at(flow.id, field), { expectStatus: 200 })).body).toBe('kept');
          await expectMissingFlow404(client, field, { put: 'x', delete: true });
        });
      });

    for (const field of BIT_RATES)
      describe(`/flows/{flowId}/${field}`, () => {
        it('GET is 404 while unset; PUT sets an integer ≥ 0 (204); DELETE unsets it (204)', async () => {
          const { client } = context();
          const flow = await createFlow(client, newFlow('video'));
          // An unset rate has no integer to return, and 404 is the only other status 7.0 declares.
          await client.expectHeadMatchesGet(at(flow.id, field), { expectStatus: 404 });
          for (const rate of [5000, 0]) {
            await client.put(at(flow.id, field), { body: rate, expectStatus: 204 });
            const { get } = await client.expectHeadMatchesGet(at(flow.id, field), { expectStatus: 200 });
            expect(get.body).toBe(rate);
            expect((await getFlow(client, flow.id))[field]).toBe(rate);
          }
          const before = await getFlow(client, flow.id);
          await client.delete(at(flow.id, field), { expectStatus: 204 });
          await client.expectHeadMatchesGet(at(flow.id, field), { expectStatus: 404 });
          expect((await expectNewMetadataVersion(client, flow.id, before))[field]).toBeUndefined();
        });

        it('400 for a value that is not an integer ≥ 0; 404 for unknown and malformed Flows', async () => {
          const { client, spec } = context();
          const flow = await createFlow(client, newFlow('audio', { [field]: 128 }));
          await expectRefusedBody(client, spec, 'PUT', `/flows/{flowId}/${field}`, at(flow.id, field), [
            -1,
            1.5,
            '5000',
            null,
            true,
            { [field]: 5000 },
          ]);
          expect((await client.get(at(flow.id, field), { expectStatus: 200 })).body).toBe(128);
          await expectMissingFlow404(client, field, { put: 5000, delete: true });
        });
      });

    describe('/flows/{flowId}/read_only', () => {
      it('GET and HEAD return a boolean; PUT sets it (204)', async () => {
        const { client } = context();
        const flow = await createFlow(client, newFlow('image'));
        const initially = await client.expectHeadMatchesGet(at(flow.id, 'read_only'), { expectStatus: 200 });
        expect(initially.get.body).toBe(false);
        await client.put(at(flow.id, 'read_only'), { body: true, expectStatus: 204 });
        const { get } = await client.expectHeadMatchesGet(at(flow.id, 'read_only'), { expectStatus: 200 });
        expect(get.body).toBe(true);
        expect((await getFlow(client, flow.id)).read_only).toBe(true);
        await client.put(at(flow.id, 'read_only'), { body: false, expectStatus: 204 });
        expect((await client.get(at(flow.id, 'read_only'), { expectStatus: 200 })).body).toBe(false);
      });

      it('400 for a value that is not a JSON boolean; 404 for unknown and malformed Flows; no DELETE', async () => {
        const { client, spec } = context();
        const flow = await createFlow(client, newFlow('data'));
        await expectRefusedBody(client, spec, 'PUT', '/flows/{flowId}/read_only', at(flow.id, 'read_only'), [
          'true',
          1,
          null,
          { read_only: true },
        ]);
        expect((await client.get(at(flow.id, 'read_only'), { expectStatus: 200 })).body).toBe(false);
        await expectMissingFlow404(client, 'read_only', { put: true });
        // 7.0 has no DELETE here (DIGEST §1.3): 405 with Allow.
        await client.delete(at(flow.id, 'read_only'), { expectStatus: 405 });
      });

      it('a read-only Flow refuses every property change with 403, the label DELETE too, but not read_only', async () => {
        const { client } = context();
        const member = await createFlow(client, newFlow('video'));
        const flow = await createFlow(
          client,
          newFlow('multi', {
            label: 'locked',
            description: 'locked',
            tags: { genre: 'news' },
            max_bit_rate: 5000,
            avg_bit_rate: 3000,
            flow_collection: [{ id: member.id, role: 'video' }],
          }),
        );
        await client.put(at(flow.id, 'read_only'), { body: true, expectStatus: 204 });
        const locked = await getFlow(client, flow.id);

        const writes: [string, unknown][] = [
          ['tags/genre', 'sport'],
          ['tags/other', 'new'],
          ['description', 'changed'],
          ['label', 'changed'],
          ['max_bit_rate', 1],
          ['avg_bit_rate', 1],
          ['flow_collection', []],
        ];
        for (const [property, body] of writes) {
          await client.put(at(flow.id, property), { body, expectStatus: 403 });
          if (property !== 'tags/other') await client.delete(at(flow.id, property), { expectStatus: 403 });
        }
        // Nothing changed, the label included: 7.0 declares no 403 for DELETE label, but DIGEST §4.2 and
        // §12.7 (and 8.0) refuse it too.
        expect(await getFlow(client, flow.id)).toEqual(locked);

        // read_only itself stays writable: setting it again, and clearing it, which unlocks the Flow.
        await client.put(at(flow.id, 'read_only'), { body: true, expectStatus: 204 });
        await client.put(at(flow.id, 'read_only'), { body: false, expectStatus: 204 });
        for (const [property, body] of writes)
          await client.put(at(flow.id, property), { body, expectStatus: 204 });
        await client.delete(at(flow.id, 'label'), { expectStatus: 204 });
      });
    });

    describe('/flows/{flowId}/flow_collection', () => {
      it('PUT replaces the collection (204), GET and HEAD return it, members show collected_by', async () => {
        const { client } = context();
        const video = await createFlow(client, newFlow('video'));
        const left = await createFlow(client, newFlow('audio'));
        const right = await createFlow(client, newFlow('audio'));
        const collector = await createFlow(client, newFlow('multi', { container: 'video/mp2t' }));
        const path = at(collector.id, 'flow_collection');
        // A Flow that collects nothing has an empty collection (7.0 declares no 404 for that).
        expect((await client.expectHeadMatchesGet(path, { expectStatus: 200 })).get.body).toEqual([]);

        // Modelled on E:flow-get-200-multi-container-map.json: container mappings round-trip.
        const collection: CollectionItem[] = [
          { id: video.id, role: 'video' },
          {
            id: left.id,
            role: 'L',
            container_mapping: { track_index: 1, format_track_index: 0, mp2ts_container: { pid: 257 } },
          },
          {
            id: right.id,
            role: 'R',
            container_mapping: { track_index: 2, format_track_index: 1, mp2ts_container: { pid: 258 } },
          },
        ];
        await client.put(path, { body: collection, expectStatus: 204 });
        const { get } = await client.expectHeadMatchesGet<CollectionItem[]>(path, { expectStatus: 200 });
        expect(sortedById(get.body)).toEqual(sortedById(collection));
        const stored = await expectNewMetadataVersion(client, collector.id, collector);
        expect(sortedById(stored.flow_collection)).toEqual(sortedById(collection));
        for (const member of [video, left, right])
          expect((await getFlow(client, member.id)).collected_by).toEqual([collector.id]);

        // Replacing the collection moves collected_by with it.
        await client.put(path, { body: [{ id: right.id, role: 'mono' }], expectStatus: 204 });
        expect((await client.get(path, { expectStatus: 200 })).body).toEqual([
          { id: right.id, role: 'mono' },
        ]);
        expect((await getFlow(client, video.id)).collected_by).toBeUndefined();
        expect((await getFlow(client, right.id)).collected_by).toEqual([collector.id]);

        await client.delete(path, { expectStatus: 204 });
        expect((await client.expectHeadMatchesGet(path, { expectStatus: 200 })).get.body).toEqual([]);
        expect((await getFlow(client, collector.id)).flow_collection).toBeUndefined();
        expect((await getFlow(client, right.id)).collected_by).toBeUndefined();
      });

      it('a Flow collected by two collectors lists both in collected_by', async () => {
        const { client } = context();
        const member = await createFlow(client, newFlow('audio'));
        const collectors: string[] = [];
        for (const role of ['main', 'backup']) {
          const collector = await createFlow(client, newFlow('multi'));
          await client.put(at(collector.id, 'flow_collection'), {
            body: [{ id: member.id, role }],
            expectStatus: 204,
          });
          collectors.push(collector.id);
        }
        expect([...((await getFlow(client, member.id)).collected_by ?? [])].sort()).toEqual(
          collectors.sort(),
        );
      });

      it('400 for collections that break S:flow-collection.json, and for unknown members (DIGEST §4.4 Rec)', async () => {
        const { client, spec } = context();
        const member = await createFlow(client, newFlow('video'));
        const collector = await createFlow(
          client,
          newFlow('multi', { flow_collection: [{ id: member.id, role: 'video' }] }),
        );
        const path = at(collector.id, 'flow_collection');
        await expectRefusedBody(client, spec, 'PUT', '/flows/{flowId}/flow_collection', path, [
          { id: member.id, role: 'video' }, // an item, not a list
          [{ id: member.id }], // no role
          [{ role: 'video' }], // no id
          [{ id: 'not-a-uuid', role: 'video' }],
          [{ id: member.id, role: 'video', container_mapping: { track_index: -1 } }],
          'video',
          null,
        ]);
        // Schema-valid, but the member is not a Flow of this store.
        await client.put(path, { body: [{ id: randomUUID(), role: 'ghost' }], expectStatus: 400 });
        expect((await client.get(path, { expectStatus: 200 })).body).toEqual([
          { id: member.id, role: 'video' },
        ]);
        await expectMissingFlow404(client, 'flow_collection', {
          put: [{ id: member.id, role: 'video' }],
          delete: true,
        });
      });
    });
  },
};
