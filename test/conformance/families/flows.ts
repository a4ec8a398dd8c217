import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConformanceClient, QueryValue } from '../conformance-client.js';
import type { ConformanceFamily } from '../family.js';
import { p } from '../path-matching.js';
import { EXAMPLE_DEFECTS } from '../spec-defects.js';
import type { JsonObject, Spec } from '../spec.js';
import type { CollectionItem, Flow, FlowFormat } from './fixtures.js';
import {
  AWKWARD_TAG,
  createFlow,
  expectRefusedBody,
  FORMAT_URN,
  getFlow,
  idsOf,
  listAll,
  newFlow,
  RUN_TAG,
  runQuery,
} from './fixtures.js';

/**
 * /flows and /flows/{flowId} (DIGEST §1.3, §3, §4.1, §4.2, §4.5, §8). The client validates every
 * response against the 7.0 schemas; the assertions here are about behaviour they cannot see: what a
 * PUT stores, what the listing filters select, how paging walks a listing, what a DELETE takes with it.
 */

/** DIGEST §2.2, §12.6: `()`, `""` and `[]` all mean the empty range. */
const isEmptyRange = (range: string | undefined): boolean => range === '()' || range === '' || range === '[]';

/**
 * Gives a Flow content: the segments family owns /segments, here one segment only makes the Flow's
 * timerange non-empty. The object lives outside the store, so it needs a URL (7.0 allows that, ADR0030).
 */
async function addSegment(client: ConformanceClient, flowId: string, timerange: string) {
  const objectId = `conformance-${randomUUID()}`;
  await client.post(p`/flows/${flowId}/segments`, {
    body: { object_id: objectId, timerange, get_urls: [{ url: `https://media.example.com/${objectId}` }] },
    expectStatus: 201,
  });
}

/**
 * A PUT body made from an api/examples/ Flow: fresh ids, the known-bad `created` repaired the way
 * spec-defects.ts documents (the store ignores it anyway), and collection members replaced by Flows
 * that exist, since members must be registered Flows (DIGEST §4.4).
 */
function exampleFlow(spec: Spec, file: string, members: readonly string[] = []): Flow {
  let example = JSON.parse(readFileSync(join(spec.dir, 'api', 'examples', file), 'utf8')) as JsonObject;
  const defect = EXAMPLE_DEFECTS[file]?.shows;
  if (defect?.by === 'schema') example = defect.repair(example);
  const collection = example.flow_collection as CollectionItem[] | undefined;
  if (collection && collection.length !== members.length)
    throw new Error(`${file} collects ${collection.length} Flows; ${members.length} members were given`);
  return {
    ...example,
    id: randomUUID(),
    source_id: randomUUID(),
    format: example.format as string,
    ...(collection ? { flow_collection: collection.map((item, i) => ({ ...item, id: members[i]! })) } : {}),
  };
}

/** Properties the server manages (ADR0003, S:flow-core.json): ignored in a PUT, so not round-tripped. */
const MANAGED = [
  'created',
  'metadata_updated',
  'segments_updated',
  'metadata_version',
  'timerange',
  'collected_by',
] as const;

/** What a client sent that the store must keep: all but the managed properties and the principals. */
function clientProperties(flow: Flow): JsonObject {
  // created_by/updated_by SHOULD default from the authenticated principal (DIGEST §4.2): not compared.
  const omitted = new Set<string>([...MANAGED, 'created_by', 'updated_by']);
  const kept: JsonObject = Object.fromEntries(Object.entries(flow).filter(([k]) => !omitted.has(k)));
  // 7.0 collections are unordered (ordered ones arrived in 8.x).
  if (flow.flow_collection) kept.flow_collection = [...flow.flow_collection].sort(byId);
  return kept;
}

/**
 * Properties of a returned Flow the client did not send and the store may not fill in itself. 7.0
 * gives `read_only`, `tags` and `flow_collection` no default (S:flow-core.json), so a store that returns
 * them for a client that never set them invents data (issue 10 §4). The store sets the managed
 * properties, and created_by/updated_by from the principal (DIGEST §4.2).
 */
export function inventedProperties(returned: JsonObject, sent: JsonObject): string[] {
  const storeSet = new Set<string>([...MANAGED, 'created_by', 'updated_by']);
  return Object.keys(returned).filter((k) => !(k in sent) && !storeSet.has(k));
}

function without(flow: Flow, property: string): JsonObject {
  return Object.fromEntries(Object.entries(flow).filter(([k]) => k !== property));
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The Flow examples of 7.0 and the members each needs (their roles say what kind of Flow). */
const EXAMPLES: readonly { file: string; members: readonly FlowFormat[] }[] = [
  { file: 'flow-get-200-video-h264.json', members: [] },
  { file: 'flow-get-200-video-raw.json', members: [] },
  { file: 'flow-get-200-audio-aac.json', members: [] },
  { file: 'flow-get-200-audio-aac-multi.json', members: [] },
  { file: 'flow-get-200-image-jpeg.json', members: [] },
  { file: 'flow-get-200-data-ttml.json', members: [] },
  { file: 'flow-get-200-multi.json', members: ['video', 'audio', 'data'] },
  { file: 'flow-get-200-multi-container-map.json', members: ['video', 'audio', 'audio'] },
];

export const flowsFamily: ConformanceFamily = {
  name: 'flows: /flows, /flows/{flowId}',
  define(context) {
    describe('PUT /flows/{flowId} stores what the client sent', () => {
      for (const { file, members } of EXAMPLES)
        it(`creates a Flow from ${file} (201 + the stored Flow), and GET returns it unchanged`, async () => {
          const { client, spec } = context();
          const memberIds: string[] = [];
          for (const format of members) memberIds.push((await createFlow(client, newFlow(format))).id);
          const body = exampleFlow(spec, file, memberIds);
          // The request must be valid by the spec, or a 400 would not be the store's fault.
          expect(spec.operation('PUT', '/flows/{flowId}')!.requestBody!.validate(body)).toBe(true);

          const created = await createFlow(client, body);
          const { get } = await client.expectHeadMatchesGet<Flow>(p`/flows/${body.id}`, {
            expectStatus: 200,
          });
          expect(get.body).toEqual(created);
          expect(clientProperties(get.body)).toMatchObject(clientProperties(body));
          expect(inventedProperties(get.body, body)).toEqual([]);
          // essence_parameters has additionalProperties: false; it must come back exactly.
          expect(get.body.essence_parameters).toEqual(body.essence_parameters);
          // The example's managed values (a 2008 `created`, someone else's collected_by) are ignored.
          for (const managed of ['created', 'metadata_updated', 'segments_updated'] as const)
            if (body[managed] !== undefined) expect(get.body[managed]).not.toBe(body[managed]);
          expect(get.body.collected_by).toBeUndefined();
          for (const memberId of memberIds)
            expect((await getFlow(client, memberId)).collected_by).toEqual([body.id]);
        });

      it('returns no optional property the client did not set: no default read_only or tags (issue 10 §4)', async () => {
        const { client } = context();
        const run = randomUUID();
        for (const format of ['video', 'audio', 'image', 'data', 'multi'] as const) {
          const body = newFlow(format, { label: `unset-${run}` });
          const created = await createFlow(client, body);
          const { get } = await client.expectHeadMatchesGet<Flow>(p`/flows/${body.id}`, {
            expectStatus: 200,
          });
          const listed = await client.get<Flow[]>('/flows', {
            query: { source_id: body.source_id },
            expectStatus: 200,
          });
          for (const [what, flow] of [
            ['201', created],
            ['GET', get.body],
            ['listing', listed.body[0]!],
          ] as const)
            expect(inventedProperties(flow, body), `${format} ${what}`).toEqual([]);
        }
      });

      it('returns read_only: false, tags: {} and flow_collection: [] when the client sent them', async () => {
        const { client } = context();
        const explicit = { read_only: false, tags: {}, flow_collection: [] };
        const body = newFlow('multi', explicit);
        expect(await createFlow(client, body)).toMatchObject(explicit);
        expect(await getFlow(client, body.id)).toMatchObject(explicit);
        // ADR0025: a replacing PUT that leaves them out unsets them.
        const replacement = newFlow('multi', { id: body.id, source_id: body.source_id });
        await client.put(p`/flows/${body.id}`, { body: replacement, expectStatus: 204 });
        expect(inventedProperties(await getFlow(client, body.id), replacement)).toEqual([]);
      });

      it('ignores the managed properties of the body (created, metadata_version, timerange, collected_by)', async () => {
        const { client } = context();
        const body = newFlow('video', {
          created: '2001-01-01T00:00:00Z',
          metadata_updated: '2001-01-01T00:00:00Z',
          segments_updated: '2001-01-01T00:00:00Z',
          metadata_version: 'chosen-by-the-client',
          timerange: '[0:0_10:0)',
          collected_by: [randomUUID()],
        });
        const created = await createFlow(client, body);
        expect(created.created).not.toBe(body.created);
        expect(created.metadata_updated).not.toBe(body.metadata_updated);
        expect(created.segments_updated).not.toBe(body.segments_updated);
        expect(created.metadata_version).not.toBe(body.metadata_version);
        expect(created.collected_by).toBeUndefined();
        // timerange is computed from segments: there are none, so it is empty when asked for.
        expect(created.timerange === undefined || isEmptyRange(created.timerange)).toBe(true);
        const withRange = await client.get<Flow>(p`/flows/${body.id}`, {
          query: { include_timerange: true },
          expectStatus: 200,
        });
        expect(isEmptyRange(withRange.body.timerange)).toBe(true);
      });

      it('keeps collected_by as the collections say, whatever a replacing PUT sends', async () => {
        const { client } = context();
        const member = await createFlow(client, newFlow('video'));
        const collector = await createFlow(
          client,
          newFlow('multi', { flow_collection: [{ id: member.id, role: 'video' }] }),
        );
        const stranger = randomUUID();
        for (const collectedBy of [[], [stranger]])
          await client.put(p`/flows/${member.id}`, {
            body: { ...member, collected_by: collectedBy },
            expectStatus: 204,
          });
        expect((await getFlow(client, member.id)).collected_by).toEqual([collector.id]);
      });

      it('replaces an existing Flow with 204: properties left out become unset (ADR0025)', async () => {
        const { client } = context();
        const body = newFlow('audio', { label: 'before', description: 'goes away', tags: { a: '1' } });
        const created = await createFlow(client, body);
        const replacement = newFlow('audio', {
          id: body.id,
          source_id: body.source_id,
          label: 'after',
          tags: { b: '2' },
          essence_parameters: { sample_rate: 96000, channels: 6, bit_depth: 24 },
        });
        const replaced = await client.put(p`/flows/${body.id}`, { body: replacement, expectStatus: 204 });
        expect(replaced.text).toBe('');
        const after = await getFlow(client, body.id);
        expect(after).toMatchObject({ label: 'after', tags: { b: '2' } });
        expect(after.description).toBeUndefined();
        expect(after.essence_parameters).toEqual(replacement.essence_parameters);
        expect(after.created).toBe(created.created);
        // S:flow-core.json: a metadata change results in a new metadata_version.
        if (created.metadata_version !== undefined)
          expect(after.metadata_version).not.toBe(created.metadata_version);
      });

      it('creates the Source with the first Flow, with the Flow format (AN0007, ADR0018)', async () => {
        const { client } = context();
        const body = newFlow('image');
        await client.get(p`/sources/${body.source_id}`, { expectStatus: 404 });
        await createFlow(client, body);
        const source = await client.get<{ id: string; format: string }>(p`/sources/${body.source_id}`, {
          expectStatus: 200,
        });
        expect(source.body).toMatchObject({ id: body.source_id, format: body.format });
      });
    });

    describe('PUT /flows/{flowId} refuses what it cannot store', () => {
      it('400 when the body id is not the path id (ADR0025), and nothing is created', async () => {
        const { client } = context();
        const body = newFlow('video');
        const pathId = randomUUID();
        await client.put(p`/flows/${pathId}`, { body, expectStatus: 400 });
        await client.get(p`/flows/${pathId}`, { expectStatus: 404 });
        await client.get(p`/flows/${body.id}`, { expectStatus: 404 });
      });

      it('400 for malformed JSON and for bodies that break S:flow.json', async () => {
        const { client, spec } = context();
        const id = randomUUID();
        const video = newFlow('video', { id });
        const invalid: readonly unknown[] = [
          'a flow',
          [],
          without(video, 'id'),
          { id, source_id: randomUUID() }, // no format
          { ...video, source_id: 'not-a-uuid' },
          { ...video, format: 'urn:x-nmos:format:smell' },
          without(video, 'essence_parameters'), // a video Flow needs essence_parameters
          without(video, 'codec'), // and a codec
          { ...video, essence_parameters: { frame_width: 1920 } }, // and frame_height
          { ...video, essence_parameters: { frame_width: 1920, frame_height: 1080, colour: 'red' } },
          { ...video, tags: { list: ['of', 'values'] } }, // tag values are strings in 7.0
          { ...video, read_only: 'yes' },
          { ...video, max_bit_rate: -1 },
          { ...newFlow('audio', { id }), essence_parameters: { sample_rate: 48000 } }, // no channels
        ];
        await expectRefusedBody(client, spec, 'PUT', '/flows/{flowId}', p`/flows/${id}`, invalid);
        await client.get(p`/flows/${id}`, { expectStatus: 404 });
      });

      it('404 for a malformed path id (7.0: "The requested Flow ID in the path is invalid")', async () => {
        const { client } = context();
        await client.put('/flows/not-a-uuid', { body: newFlow('video'), expectStatus: 404 });
      });

      it('400 for a Flow whose Source exists with another format (DIGEST §4.2 Rec)', async () => {
        const { client } = context();
        const video = await createFlow(client, newFlow('video'));
        const audio = newFlow('audio', { source_id: video.source_id });
        await client.put(p`/flows/${audio.id}`, { body: audio, expectStatus: 400 });
        await client.get(p`/flows/${audio.id}`, { expectStatus: 404 });
      });

      it('403 for a full PUT of a read-only Flow, even one that only clears read_only (DIGEST §4.2)', async () => {
        const { client } = context();
        const body = newFlow('data', { read_only: true, label: 'locked' });
        await createFlow(client, body);
        await client.put(p`/flows/${body.id}`, { body: { ...body, label: 'changed' }, expectStatus: 403 });
        await client.put(p`/flows/${body.id}`, { body: { ...body, read_only: false }, expectStatus: 403 });
        expect(await getFlow(client, body.id)).toMatchObject({ label: 'locked', read_only: true });
        // The read_only endpoint is the way to unlock it; then the full PUT works.
        await client.put(p`/flows/${body.id}/read_only`, { body: false, expectStatus: 204 });
        await client.put(p`/flows/${body.id}`, { body: { ...body, read_only: false }, expectStatus: 204 });
      });
    });

    describe('GET and HEAD /flows/{flowId}', () => {
      it('include_timerange adds the timerange of the segments; timerange limits it', async () => {
        const { client } = context();
        const flow = await createFlow(client, newFlow('video'));
        await addSegment(client, flow.id, '[0:0_10:0)');
        await addSegment(client, flow.id, '[10:0_20:0)');
        const path = p`/flows/${flow.id}`;
        // include_timerange defaults to false: no timerange at all (DIGEST §4.5), even with a timerange.
        for (const query of [{}, { include_timerange: false }, { timerange: '[5:0_15:0)' }]) {
          const { get } = await client.expectHeadMatchesGet<Flow>(path, { query, expectStatus: 200 });
          expect(get.body.timerange).toBeUndefined();
        }
        const whole = await client.expectHeadMatchesGet<Flow>(path, {
          query: { include_timerange: true },
          expectStatus: 200,
        });
        expect(whole.get.body.timerange).toBe('[0:0_20:0)');
        const limited = await client.expectHeadMatchesGet<Flow>(path, {
          query: { include_timerange: true, timerange: '[5:0_15:0)' },
          expectStatus: 200,
        });
        expect(limited.get.body.timerange).toBe('[5:0_15:0)');
        const outside = await client.get<Flow>(path, {
          query: { include_timerange: true, timerange: '[100:0_200:0)' },
          expectStatus: 200,
        });
        expect(isEmptyRange(outside.body.timerange)).toBe(true);
      });

      it('400 for a bad include_timerange or timerange (HEAD too)', async () => {
        const { client } = context();
        const flow = await createFlow(client, newFlow('audio'));
        for (const query of [
          { include_timerange: 'yes' },
          { include_timerange: true, timerange: 'yesterday' },
          // 7.0 tightened the grammar: no leading zeros in the nanoseconds (DIGEST §2.1).
          { timerange: '[1:050000000_2:0)' },
        ])
          await client.expectHeadMatchesGet(p`/flows/${flow.id}`, { query, expectStatus: 400 });
      });

      it('404 for an unknown and for a malformed id (HEAD too)', async () => {
        const { client } = context();
        for (const id of [randomUUID(), 'not-a-uuid', randomUUID().toUpperCase()])
          await client.expectHeadMatchesGet(p`/flows/${id}`, { expectStatus: 404 });
      });
    });

    describe('DELETE /flows/{flowId}', () => {
      it('204, then the Flow is gone (404), and a second DELETE is 404', async () => {
        const { client } = context();
        const flow = await createFlow(client, newFlow('video'));
        await client.delete(p`/flows/${flow.id}`, { expectStatus: 204 });
        await client.expectHeadMatchesGet(p`/flows/${flow.id}`, { expectStatus: 404 });
        await client.delete(p`/flows/${flow.id}`, { expectStatus: 404 });
        await client.delete('/flows/not-a-uuid', { expectStatus: 404 });
      });

      it('the Source goes with its last Flow, not before (ADR0018)', async () => {
        const { client } = context();
        const first = await createFlow(client, newFlow('audio'));
        const second = await createFlow(client, newFlow('audio', { source_id: first.source_id }));
        await client.delete(p`/flows/${first.id}`, { expectStatus: 204 });
        await client.get(p`/sources/${first.source_id}`, { expectStatus: 200 });
        await client.delete(p`/flows/${second.id}`, { expectStatus: 204 });
        await client.expectHeadMatchesGet(p`/sources/${first.source_id}`, { expectStatus: 404 });
        // The id is free again: a new Flow recreates the Source.
        await createFlow(client, newFlow('audio', { source_id: first.source_id }));
        await client.get(p`/sources/${first.source_id}`, { expectStatus: 200 });
      });

      it('403 for a read-only Flow, which stays (DIGEST §8)', async () => {
        const { client } = context();
        const flow = await createFlow(client, newFlow('image', { read_only: true }));
        await client.delete(p`/flows/${flow.id}`, { expectStatus: 403 });
        await client.get(p`/flows/${flow.id}`, { expectStatus: 200 });
        await client.put(p`/flows/${flow.id}/read_only`, { body: false, expectStatus: 204 });
        await client.delete(p`/flows/${flow.id}`, { expectStatus: 204 });
      });

      it('removes a deleted collector from the collected_by of its members (DIGEST §8)', async () => {
        const { client } = context();
        const member = await createFlow(client, newFlow('video'));
        const collector = await createFlow(
          client,
          newFlow('multi', { flow_collection: [{ id: member.id, role: 'video' }] }),
        );
        expect((await getFlow(client, member.id)).collected_by).toEqual([collector.id]);
        await client.delete(p`/flows/${collector.id}`, { expectStatus: 204 });
        expect((await getFlow(client, member.id)).collected_by).toBeUndefined();
      });
    });

    it('/flows and /flows/{flowId} answer 405 with Allow for the methods 7.0 lacks', async () => {
      const { client } = context();
      const flow = await createFlow(client, newFlow('data'));
      await client.post('/flows', { body: newFlow('data'), expectStatus: 405 });
      await client.delete('/flows', { expectStatus: 405 });
      await client.post(p`/flows/${flow.id}`, { body: flow, expectStatus: 405 });
    });

    describe('GET and HEAD /flows: filters', () => {
      /** Five Flows of one run; the two videos share a Source, the audio carries an awkward tag name. */
      async function fixture(client: ConformanceClient) {
        const run = randomUUID();
        const tags = { [RUN_TAG]: run };
        const sourceId = randomUUID();
        const hd = await createFlow(
          client,
          newFlow('video', {
            source_id: sourceId,
            label: `label-${run}`,
            codec: 'video/h264',
            tags,
            essence_parameters: { frame_width: 1280, frame_height: 720 },
          }),
        );
        const fullHd = await createFlow(
          client,
          newFlow('video', {
            source_id: sourceId,
            codec: 'video/raw',
            tags,
            essence_parameters: { frame_width: 1920, frame_height: 1080 },
          }),
        );
        const audio = await createFlow(client, newFlow('audio', { tags: { ...tags, [AWKWARD_TAG]: 'yes' } }));
        const data = await createFlow(client, newFlow('data', { label: `label-${run}`, tags }));
        const multi = await createFlow(client, newFlow('multi', { tags }));
        return { run, sourceId, hd, fullHd, audio, data, multi, all: [hd, fullHd, audio, data, multi] };
      }

      const list = async (client: ConformanceClient, query: Readonly<Record<string, QueryValue>>) =>
        idsOf((await listAll<Flow>(client, '/flows', query)).items);

      it('no filter but the run tag lists every Flow of the run', async () => {
        const { client } = context();
        const f = await fixture(client);
        expect(await list(client, runQuery(f.run))).toEqual(idsOf(f.all));
      });

      it('label, format, codec and source_id are exact matches, ANDed', async () => {
        const { client } = context();
        const f = await fixture(client);
        const run = runQuery(f.run);
        // The label is unique to the run, so it needs no run tag to be narrowed.
        expect(await list(client, { label: `label-${f.run}` })).toEqual(idsOf([f.hd, f.data]));
        expect(await list(client, { label: `label-${f.run}-not` })).toEqual([]);
        expect(await list(client, { ...run, format: FORMAT_URN.video })).toEqual(idsOf([f.hd, f.fullHd]));
        expect(await list(client, { ...run, format: FORMAT_URN.multi })).toEqual(idsOf([f.multi]));
        expect(await list(client, { ...run, codec: 'video/raw' })).toEqual(idsOf([f.fullHd]));
        expect(await list(client, { source_id: f.sourceId })).toEqual(idsOf([f.hd, f.fullHd]));
        expect(await list(client, { source_id: f.sourceId, codec: 'video/h264' })).toEqual(idsOf([f.hd]));
        expect(await list(client, { label: `label-${f.run}`, format: FORMAT_URN.data })).toEqual(
          idsOf([f.data]),
        );
      });

      it('frame_width and frame_height select video Flows by size', async () => {
        const { client } = context();
        const f = await fixture(client);
        const run = runQuery(f.run);
        // Only video Flows here: whether an image Flow of that size also matches is left open
        // (7.0 says "video flows" but gave image Flows frame_width in the same release).
        expect(await list(client, { ...run, frame_width: 1920 })).toEqual(idsOf([f.fullHd]));
        expect(await list(client, { ...run, frame_height: 720 })).toEqual(idsOf([f.hd]));
        expect(await list(client, { ...run, frame_width: 1280, frame_height: 720 })).toEqual(idsOf([f.hd]));
        expect(await list(client, { ...run, frame_width: 1280, frame_height: 1080 })).toEqual([]);
      });

      it('tag.{name} and tag_exists.{name} take a percent-encoded name', async () => {
        const { client } = context();
        const f = await fixture(client);
        const run = runQuery(f.run);
        expect(await list(client, { ...run, [`tag.${AWKWARD_TAG}`]: 'yes' })).toEqual(idsOf([f.audio]));
        expect(await list(client, { ...run, [`tag.${AWKWARD_TAG}`]: 'no' })).toEqual([]);
        expect(await list(client, { ...run, [`tag_exists.${AWKWARD_TAG}`]: true })).toEqual(idsOf([f.audio]));
        expect(await list(client, { ...run, [`tag_exists.${AWKWARD_TAG}`]: false })).toEqual(
          idsOf([f.hd, f.fullHd, f.data, f.multi]),
        );
        expect(await list(client, { [`tag_exists.${RUN_TAG}`]: true, [`tag.${RUN_TAG}`]: f.run })).toEqual(
          idsOf(f.all),
        );
      });

      it('timerange selects overlapping Flows; () the ones without content; _ or none filters nothing', async () => {
        const { client } = context();
        const run = randomUUID();
        const tags = { [RUN_TAG]: run };
        const withContent = await createFlow(client, newFlow('video', { tags }));
        await addSegment(client, withContent.id, '[0:0_10:0)');
        const empty = await createFlow(client, newFlow('video', { tags }));
        const q = runQuery(run);
        // DIGEST §4.5, §12.11: the default `_` must not hide Flows without segments.
        expect(await list(client, q)).toEqual(idsOf([withContent, empty]));
        expect(await list(client, { ...q, timerange: '_' })).toEqual(idsOf([withContent, empty]));
        // DIGEST §12.6: the regex also admits "" and "[]"; they are the empty range too, not a 400.
        for (const timerange of ['()', '', '[]'])
          expect(await list(client, { ...q, timerange })).toEqual(idsOf([empty]));
        expect(await list(client, { ...q, timerange: '[5:0_6:0)' })).toEqual(idsOf([withContent]));
        expect(await list(client, { ...q, timerange: '[9:999999999]' })).toEqual(idsOf([withContent]));
        // [0:0_10:0) ends before 10:0: marker-aware overlap (DIGEST §2.3).
        expect(await list(client, { ...q, timerange: '[10:0_20:0)' })).toEqual([]);
        expect(await list(client, { ...q, timerange: '[100:0_' })).toEqual([]);
      });

      it('400 for bad query values (HEAD too)', async () => {
        const { client } = context();
        for (const query of [
          { limit: 0 }, // DIGEST §3 Rec: limit below 1 is refused, large ones are clamped
          { limit: -5 },
          { limit: 'ten' },
          { limit: 2.5 },
          { timerange: 'yesterday' },
          { timerange: '[1:050000000_2:0)' },
          { format: 'urn:x-nmos:format:smell' },
          { format: 'video' },
          { source_id: 'not-a-uuid' },
          { frame_width: 'wide' },
          { frame_height: 'tall' },
          { [`tag_exists.${RUN_TAG}`]: 'maybe' },
          { page: 'not-a-page-key' }, // DIGEST §3: an invalid page gets 400
        ])
          await client.expectHeadMatchesGet('/flows', { query, expectStatus: 400 });
      });
    });

    describe('GET and HEAD /flows: paging', () => {
      it('walks more than one page with Link rel="next", keeping the filters, then stops', async () => {
        const { client } = context();
        const run = randomUUID();
        const flows: Flow[] = [];
        // Filtered on a tag name that needs percent-encoding, which the next links must keep intact.
        const query = { [`tag.${AWKWARD_TAG}`]: run, limit: 2 };
        for (let i = 0; i < 5; i++)
          flows.push(await createFlow(client, newFlow('audio', { tags: { [AWKWARD_TAG]: run } })));
        const { items, pages } = await listAll<Flow>(client, '/flows', query);
        expect(pages.length).toBeGreaterThan(1);
        expect(idsOf(items)).toEqual(idsOf(flows));
        for (const page of pages) {
          expect(Number(page.headers.get('x-paging-limit'))).toBeLessThanOrEqual(2);
          expect(page.body.length).toBeGreaterThan(0);
        }
        const last = pages.at(-1)!;
        expect(last.headers.get('x-paging-nextkey')).toBeNull();
        // The cursor from X-Paging-NextKey works the same as the Link.
        const first = pages[0]!;
        const again = await client.get<Flow[]>('/flows', {
          query: { ...query, page: first.headers.get('x-paging-nextkey')! },
          expectStatus: 200,
        });
        expect(idsOf(again.body)).toEqual(idsOf(pages[1]!.body));
      });

      it('clamps a large limit instead of refusing it, and reports the one applied', async () => {
        const { client } = context();
        for (const query of [{ limit: 1_000_000_000 }, {}]) {
          const { get } = await client.expectHeadMatchesGet<Flow[]>('/flows', { query, expectStatus: 200 });
          const applied = get.headers.get('x-paging-limit');
          expect(applied).toMatch(/^[1-9]\d*$/);
          expect(get.body.length).toBeLessThanOrEqual(Number(applied));
        }
      });
    });
  },
};
