import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import type { ConformanceFamily } from '../family.js';
import { p } from '../path-matching.js';
import { createVideoFlowId } from './fixtures.js';

/** POST /flows/{flowId}/storage (DIGEST §7.1) and GET/HEAD /objects/{objectId} (§7.3). */

interface Allocation {
  readonly media_objects: { object_id: string; put_url: { url: string; 'content-type'?: string } }[];
}

export const storageAndObjectsFamily: ConformanceFamily = {
  name: 'storage and objects: /flows/{flowId}/storage, /objects/{objectId}',
  define(context) {
    it('allocates objects with upload URLs: by count, by client ids, on a named backend, or by default', async () => {
      const { client } = context();
      const flow = await createVideoFlowId(client);
      const byCount = await client.post<Allocation>(p`/flows/${flow}/storage`, {
        body: { limit: 3 },
        expectStatus: 201,
      });
      expect(byCount.body.media_objects).toHaveLength(3);
      expect(byCount.body.media_objects[0]!.put_url['content-type']).toBe('video/mp2t');
      const ids = [`replica/${randomUUID()}`, `replica/${randomUUID()}`];
      const byIds = await client.post<Allocation>(p`/flows/${flow}/storage`, {
        body: { object_ids: ids },
        expectStatus: 201,
      });
      expect(byIds.body.media_objects.map((o) => o.object_id)).toEqual(ids);
      const backend = (await client.get<{ id: string }[]>('/service/storage-backends')).body[0]!;
      await client.post(p`/flows/${flow}/storage`, {
        body: { limit: 1, storage_id: backend.id },
        expectStatus: 201,
      });
      await client.post(p`/flows/${flow}/storage`, { expectStatus: 201 });
      // Uploading to the URL works as the client would do it.
      const upload = await fetch(byCount.body.media_objects[0]!.put_url.url, {
        method: 'PUT',
        headers: { 'content-type': 'video/mp2t' },
        body: Buffer.from('bytes'),
      });
      expect(upload.status).toBeLessThan(300);
    });

    it('refuses bad allocations: 400 (both limit and ids, existing ids, unknown backend, no container), 403, 404', async () => {
      const { client } = context();
      const flow = await createVideoFlowId(client);
      const taken = `taken/${randomUUID()}`;
      await client.post(p`/flows/${flow}/storage`, { body: { object_ids: [taken] }, expectStatus: 201 });
      for (const body of [
        { limit: 1, object_ids: ['x'] },
        { object_ids: [taken] },
        { storage_id: randomUUID() },
        { limit: 0 },
        { limit: 'ten' },
      ])
        await client.post(p`/flows/${flow}/storage`, { body, expectStatus: 400 });
      await client.post(p`/flows/${flow}/storage`, { rawBody: '{"limit": ', expectStatus: 400 });
      await client.post(p`/flows/${await createVideoFlowId(client, { container: undefined })}/storage`, {
        body: {},
        expectStatus: 400,
      });
      await client.post(p`/flows/${await createVideoFlowId(client, { read_only: true })}/storage`, {
        body: {},
        expectStatus: 403,
      });
      await client.post(p`/flows/${randomUUID()}/storage`, { body: {}, expectStatus: 404 });
      await client.post(p`/flows/${'nope'}/storage`, { body: {}, expectStatus: 404 });
    });

    it('GET and HEAD /objects/{id} show who references an object, paged, with / in its id', async () => {
      const { client } = context();
      const objectId = `bucket/${randomUUID()}/segment 1.ts`;
      const flows = [
        await createVideoFlowId(client),
        await createVideoFlowId(client),
        await createVideoFlowId(client),
      ];
      await client.post(p`/flows/${flows[0]!}/storage`, {
        body: { object_ids: [objectId] },
        expectStatus: 201,
      });
      for (const [i, flow] of flows.entries())
        await client.post(p`/flows/${flow}/segments`, {
          body: { object_id: objectId, timerange: `[${i}:0_${i + 1}:0)` },
          expectStatus: 201,
        });
      const seen: string[] = [];
      let query: Record<string, string | number> = { limit: 2 };
      for (let page = 0; page < 5; page++) {
        const { get } = await client.expectHeadMatchesGet<{
          id: string;
          referenced_by_flows: string[];
          first_referenced_by_flow?: string;
        }>(p`/objects/${objectId}`, { query });
        expect(get.body.id).toBe(objectId);
        expect(get.body.first_referenced_by_flow).toBe(flows[0]);
        seen.push(...get.body.referenced_by_flows);
        const next = get.headers.get('x-paging-nextkey');
        if (!next) break;
        query = { ...query, page: next };
      }
      expect(seen.sort()).toEqual([...flows].sort());
    });

    it('answers 404 for unknown and merely allocated objects, 400 for bad paging parameters', async () => {
      const { client } = context();
      await client.get(p`/objects/${`no/such/${randomUUID()}`}`, { expectStatus: 404 });
      const flow = await createVideoFlowId(client);
      const allocated = (
        await client.post<Allocation>(p`/flows/${flow}/storage`, { body: { limit: 1 }, expectStatus: 201 })
      ).body.media_objects[0]!.object_id;
      await client.expectHeadMatchesGet(p`/objects/${allocated}`, { expectStatus: 404 });
      await client.post(p`/flows/${flow}/segments`, {
        body: { object_id: allocated, timerange: '[0:0_1:0)' },
        expectStatus: 201,
      });
      await client.get(p`/objects/${allocated}`, { query: { limit: 0 }, expectStatus: 400 });
      await client.get(p`/objects/${allocated}`, { query: { page: 'forged' }, expectStatus: 400 });
    });
  },
};
