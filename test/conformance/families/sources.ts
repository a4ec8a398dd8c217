import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ConformanceClient, QueryValue } from '../conformance-client.js';
import type { ConformanceFamily } from '../family.js';
import { p } from '../path-matching.js';
import type { FlowFormat } from './fixtures.js';
import {
  AWKWARD_TAG,
  createFlow,
  expectRefusedBody,
  FORMAT_URN,
  idsOf,
  listAll,
  newFlow,
  REFUSABLE_TAG_NAMES,
  RUN_TAG,
  runQuery,
} from './fixtures.js';

/**
 * /sources and its sub-resources (DIGEST §1.2, §3, §5, §11). Sources are never created directly: each
 * test makes Flows, whose PUT creates their Sources (AN0007), then works on those. The client validates
 * every response; the assertions here are about what the store does with the requests.
 */

interface Source {
  readonly id: string;
  readonly format: string;
  readonly label?: string;
  readonly description?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly source_collection?: readonly { readonly id: string; readonly role: string }[];
  readonly collected_by?: readonly string[];
}

/** A new Flow of `format`, returning the id of the Source its PUT created. */
async function newSource(client: ConformanceClient, format: FlowFormat = 'video'): Promise<string> {
  return (await createFlow(client, newFlow(format))).source_id;
}

/** What the store sets on a Source itself (S:source.json: server-managed or from the principal). */
const SOURCE_STORE_SET = new Set(['id', 'format', 'created', 'updated', 'created_by', 'updated_by']);

const getSource = async (client: ConformanceClient, id: string) =>
  (await client.get<Source>(p`/sources/${id}`, { expectStatus: 200 })).body;

/** Ids that name no Source: well-formed and unknown, or malformed (7.0: 404 for both). */
const missingIds = () => [randomUUID(), 'not-a-uuid'];

export const sourcesFamily: ConformanceFamily = {
  name: 'sources: /sources, /sources/{sourceId}…',
  define(context) {
    describe('GET and HEAD /sources/{sourceId}', () => {
      it('return the Source a Flow PUT created, with the Flow format and no label yet', async () => {
        const { client } = context();
        const flow = await createFlow(client, newFlow('audio'));
        const { get } = await client.expectHeadMatchesGet<Source>(p`/sources/${flow.source_id}`, {
          expectStatus: 200,
        });
        expect(get.body).toMatchObject({ id: flow.source_id, format: FORMAT_URN.audio });
        // The Source is created minimal (DIGEST §4.2): nothing of the Flow is copied onto it, and no
        // optional property is invented (7.0 gives `tags` no default; issue 10 §4).
        expect(Object.keys(get.body).filter((k) => !SOURCE_STORE_SET.has(k))).toEqual([]);
        // Listed too, once it has a label to be found by (the only property the client set).
        const label = `unset-${randomUUID()}`;
        await client.put(`${p`/sources/${flow.source_id}`}/label`, { body: label, expectStatus: 204 });
        const listed = await client.get<Source[]>('/sources', { query: { label }, expectStatus: 200 });
        expect(listed.body.map((s) => Object.keys(s).filter((k) => !SOURCE_STORE_SET.has(k)))).toEqual([
          ['label'],
        ]);
      });

      it('404 for an unknown and for a malformed id', async () => {
        const { client } = context();
        for (const id of missingIds())
          await client.expectHeadMatchesGet(p`/sources/${id}`, { expectStatus: 404 });
      });

      it('405 with Allow for POST, PUT and DELETE: Sources come and go with their Flows (DIGEST §5)', async () => {
        const { client } = context();
        const id = await newSource(client);
        const body = { id, format: FORMAT_URN.video };
        await client.put(p`/sources/${id}`, { body, expectStatus: 405 });
        await client.post(p`/sources/${id}`, { body, expectStatus: 405 });
        await client.delete(p`/sources/${id}`, { expectStatus: 405 });
        await client.post('/sources', {
          body: { id: randomUUID(), format: FORMAT_URN.video },
          expectStatus: 405,
        });
        await client.put('/sources', { body: [], expectStatus: 405 });
        await client.delete('/sources', { expectStatus: 405 });
        // The refused DELETE left the Source alone.
        await client.get(p`/sources/${id}`, { expectStatus: 200 });
      });

      it('infer source_collection and collected_by from a Flow collection (DIGEST §4.4, ADR0012)', async () => {
        const { client } = context();
        const member = await createFlow(client, newFlow('video'));
        const collector = await createFlow(
          client,
          newFlow('multi', { flow_collection: [{ id: member.id, role: 'picture' }] }),
        );
        // Flow A collects Flow B, so Source(A) collects Source(B) with the same role.
        expect((await getSource(client, collector.source_id)).source_collection).toEqual([
          { id: member.source_id, role: 'picture' },
        ]);
        expect((await getSource(client, member.source_id)).collected_by).toEqual([collector.source_id]);
      });
    });

    describe('/sources/{sourceId}/tags and /tags/{name}', () => {
      it('PUT sets a tag (204), GET and HEAD read it and the map, DELETE removes it', async () => {
        const { client } = context();
        const id = await newSource(client);
        const tag = p`/sources/${id}/tags/${'genre'}`;
        let tags = await client.expectHeadMatchesGet<Record<string, string>>(p`/sources/${id}/tags`, {
          expectStatus: 200,
        });
        expect(tags.get.body).toEqual({});
        await client.expectHeadMatchesGet(tag, { expectStatus: 404 });

        await client.put(tag, { body: 'news', expectStatus: 204 });
        expect((await client.expectHeadMatchesGet(tag, { expectStatus: 200 })).get.body).toBe('news');
        await client.put(tag, { body: 'sport', expectStatus: 204 });
        expect((await client.get(tag, { expectStatus: 200 })).body).toBe('sport');
        tags = await client.expectHeadMatchesGet(p`/sources/${id}/tags`, { expectStatus: 200 });
        expect(tags.get.body).toEqual({ genre: 'sport' });
        expect((await getSource(client, id)).tags).toEqual({ genre: 'sport' });

        await client.delete(tag, { expectStatus: 204 });
        await client.expectHeadMatchesGet(tag, { expectStatus: 404 });
        // 7.0: "The requested Source ID or tag in the path is invalid" – a tag that is not there.
        await client.delete(tag, { expectStatus: 404 });
        expect((await client.get(p`/sources/${id}/tags`, { expectStatus: 200 })).body).toEqual({});
      });

      it('tag names in the path are percent-decoded exactly once', async () => {
        const { client } = context();
        const id = await newSource(client);
        // `%41` must arrive as the three characters "%41", not as "A".
        for (const name of [AWKWARD_TAG, 'literally%41']) {
          await client.put(p`/sources/${id}/tags/${name}`, { body: name, expectStatus: 204 });
          expect((await client.get(p`/sources/${id}/tags/${name}`, { expectStatus: 200 })).body).toBe(name);
        }
        const tags = await client.get<Record<string, string>>(p`/sources/${id}/tags`, { expectStatus: 200 });
        expect(tags.body).toEqual({ [AWKWARD_TAG]: AWKWARD_TAG, 'literally%41': 'literally%41' });
        await client.get(p`/sources/${id}/tags/${'literallyA'}`, { expectStatus: 404 });
      });

      it('400 for a tag value that is not a JSON string (7.0 values are strings, lists came in 8.0)', async () => {
        const { client, spec } = context();
        const id = await newSource(client);
        const path = p`/sources/${id}/tags/${'genre'}`;
        await client.put(path, { body: 'news', expectStatus: 204 });
        await expectRefusedBody(client, spec, 'PUT', '/sources/{sourceId}/tags/{name}', path, [
          42,
          ['news', 'sport'],
          { value: 'news' },
          null,
          true,
        ]);
        expect((await client.get(path, { expectStatus: 200 })).body).toBe('news');
      });

      // Names a store refuses to hold are "the tag name in the path is invalid": 7.0 answers 404 for PUT
      // (400 is for values) and declares only 204 and 404 for DELETE.
      it('PUT of a tag name the store refuses is 404, not 400', async () => {
        const { client } = context();
        const id = await newSource(client);
        // A store that accepts the name may simply store it (204).
        for (const name of REFUSABLE_TAG_NAMES)
          await client.put(p`/sources/${id}/tags/${name}`, { body: 'x', expectStatus: [204, 404] });
      });

      it('DELETE of a tag name the store refuses is 404, the only refusal 7.0 declares there', async () => {
        const { client } = context();
        const id = await newSource(client);
        for (const name of REFUSABLE_TAG_NAMES)
          await client.delete(p`/sources/${id}/tags/${name}`, { expectStatus: 404 });
      });

      it('404 for every tag operation on an unknown or malformed Source', async () => {
        const { client } = context();
        for (const id of missingIds()) {
          await client.expectHeadMatchesGet(p`/sources/${id}/tags`, { expectStatus: 404 });
          await client.expectHeadMatchesGet(p`/sources/${id}/tags/${'genre'}`, { expectStatus: 404 });
          await client.put(p`/sources/${id}/tags/${'genre'}`, { body: 'news', expectStatus: 404 });
          await client.delete(p`/sources/${id}/tags/${'genre'}`, { expectStatus: 404 });
        }
      });
    });

    for (const field of ['label', 'description'] as const)
      describe(`/sources/{sourceId}/${field}`, () => {
        it('GET is 404 while unset; PUT sets it (204); DELETE unsets it (204)', async () => {
          const { client } = context();
          const id = await newSource(client);
          const path = `${p`/sources/${id}`}/${field}`;
          // label: 7.0's own wording (changed in 8.1); description: DIGEST §4.3 Rec, for the same reason.
          await client.expectHeadMatchesGet(path, { expectStatus: 404 });
          await client.put(path, { body: `first ${field}`, expectStatus: 204 });
          await client.put(path, { body: `second ${field}`, expectStatus: 204 });
          const { get } = await client.expectHeadMatchesGet(path, { expectStatus: 200 });
          expect(get.body).toBe(`second ${field}`);
          expect((await getSource(client, id))[field]).toBe(`second ${field}`);

          await client.delete(path, { expectStatus: 204 });
          await client.expectHeadMatchesGet(path, { expectStatus: 404 });
          expect((await getSource(client, id))[field]).toBeUndefined();
          // Only an invalid Source id is a 404 for DELETE; an unset value is simply still unset.
          await client.delete(path, { expectStatus: 204 });
        });

        it('400 for a value that is not a JSON string, which leaves the value as it was', async () => {
          const { client, spec } = context();
          const id = await newSource(client);
          const path = `${p`/sources/${id}`}/${field}`;
          await client.put(path, { body: 'kept', expectStatus: 204 });
          await expectRefusedBody(client, spec, 'PUT', `/sources/{sourceId}/${field}`, path, [
            42,
            ['kept'],
            { [field]: 'x' },
            null,
          ]);
          expect((await client.get(path, { expectStatus: 200 })).body).toBe('kept');
        });

        it('404 for an unknown or malformed Source', async () => {
          const { client } = context();
          for (const id of missingIds()) {
            const path = `${p`/sources/${id}`}/${field}`;
            await client.expectHeadMatchesGet(path, { expectStatus: 404 });
            await client.put(path, { body: 'x', expectStatus: 404 });
            await client.delete(path, { expectStatus: 404 });
          }
        });
      });

    describe('GET and HEAD /sources', () => {
      /** Four Sources of one run (tagged through their own tag endpoint: Flow tags are not Source tags). */
      async function fixture(client: ConformanceClient) {
        const run = randomUUID();
        const video = await newSource(client, 'video');
        const audio = await newSource(client, 'audio');
        const data = await newSource(client, 'data');
        const multi = await newSource(client, 'multi');
        const all = [video, audio, data, multi];
        for (const id of all)
          await client.put(p`/sources/${id}/tags/${RUN_TAG}`, { body: run, expectStatus: 204 });
        for (const id of [video, data])
          await client.put(p`/sources/${id}/label`, { body: `label-${run}`, expectStatus: 204 });
        await client.put(p`/sources/${audio}/tags/${AWKWARD_TAG}`, { body: 'yes', expectStatus: 204 });
        return { run, video, audio, data, multi, all: [...all].sort() };
      }

      const list = async (client: ConformanceClient, query: Readonly<Record<string, QueryValue>>) =>
        idsOf((await listAll<Source>(client, '/sources', query)).items);

      it('label, format, tag.{name} and tag_exists.{name} filter, ANDed', async () => {
        const { client } = context();
        const f = await fixture(client);
        const run = runQuery(f.run);
        expect(await list(client, run)).toEqual(f.all);
        expect(await list(client, { label: `label-${f.run}` })).toEqual([f.video, f.data].sort());
        expect(await list(client, { label: `label-${f.run}`, format: FORMAT_URN.data })).toEqual([f.data]);
        expect(await list(client, { ...run, format: FORMAT_URN.multi })).toEqual([f.multi]);
        expect(await list(client, { ...run, format: FORMAT_URN.image })).toEqual([]);
        // The tag name is percent-encoded in the query key (DIGEST §5).
        expect(await list(client, { ...run, [`tag.${AWKWARD_TAG}`]: 'yes' })).toEqual([f.audio]);
        expect(await list(client, { ...run, [`tag.${AWKWARD_TAG}`]: 'no' })).toEqual([]);
        expect(await list(client, { ...run, [`tag_exists.${AWKWARD_TAG}`]: true })).toEqual([f.audio]);
        expect(await list(client, { ...run, [`tag_exists.${AWKWARD_TAG}`]: false })).toEqual(
          [f.video, f.data, f.multi].sort(),
        );
      });

      it('walks more than one page with Link rel="next", keeping the filters', async () => {
        const { client } = context();
        const f = await fixture(client);
        // Three Sources, two a page; the percent-encoded tag name must survive in the next links.
        const query = { ...runQuery(f.run), [`tag_exists.${AWKWARD_TAG}`]: false, limit: 2 };
        const { items, pages } = await listAll<Source>(client, '/sources', query);
        expect(pages.length).toBeGreaterThan(1);
        expect(idsOf(items)).toEqual([f.video, f.data, f.multi].sort());
        for (const page of pages) expect(Number(page.headers.get('x-paging-limit'))).toBeLessThanOrEqual(2);
        expect(pages.at(-1)!.headers.get('link')).toBeNull();
      });

      it('clamps a large limit instead of refusing it, and reports the one applied', async () => {
        const { client } = context();
        for (const query of [{ limit: 1_000_000_000 }, {}]) {
          const { get } = await client.expectHeadMatchesGet<Source[]>('/sources', {
            query,
            expectStatus: 200,
          });
          const applied = get.headers.get('x-paging-limit');
          expect(applied).toMatch(/^[1-9]\d*$/);
          expect(get.body.length).toBeLessThanOrEqual(Number(applied));
        }
      });

      it('400 for bad query values (HEAD too)', async () => {
        const { client } = context();
        for (const query of [
          { limit: 0 }, // DIGEST §3 Rec: limit below 1 is refused, large ones are clamped
          { limit: -1 },
          { limit: 'all' },
          { format: 'urn:x-nmos:format:smell' },
          { [`tag_exists.${RUN_TAG}`]: 'maybe' },
          { [`tag_exists.${RUN_TAG}`]: '' },
          { page: 'not-a-page-key' },
        ])
          await client.expectHeadMatchesGet('/sources', { query, expectStatus: 400 });
      });
    });
  },
};
