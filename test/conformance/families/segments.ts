import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import type { ConformanceFamily } from '../family.js';
import { p } from '../path-matching.js';
import { addSeconds, allocate, createVideoFlowId } from './fixtures.js';

/** GET/HEAD/POST/DELETE /flows/{flowId}/segments (DIGEST §6). The client validates every response. */

interface Segment {
  readonly object_id: string;
  readonly timerange: string;
  readonly get_urls?: {
    url: string;
    label?: string;
    presigned?: boolean;
    storage_id?: string;
    controlled?: boolean;
  }[];
}

export const segmentsFamily: ConformanceFamily = {
  name: 'segments: /flows/{flowId}/segments',
  define(context) {
    it('POST one segment (201) or an array (201), GET and HEAD list them in time order', async () => {
      const { client } = context();
      const flow = await createVideoFlowId(client);
      const [a, b, c] = await allocate(client, flow, 3);
      await client.post(p`/flows/${flow}/segments`, {
        body: { object_id: a, timerange: '[0:0_1:0)', ts_offset: '0:0' },
        expectStatus: 201,
      });
      await client.post(p`/flows/${flow}/segments`, {
        body: [
          { object_id: b, timerange: '[1:0_2:0)', sample_offset: 0, sample_count: 25, key_frame_count: 1 },
          {
            object_id: c,
            timerange: '[2:0_3:0)',
            last_duration: '0:40000000',
            get_urls: [{ url: 'https://cdn.example/c', label: 'cdn' }],
          },
        ],
        expectStatus: 201,
      });
      const { get } = await client.expectHeadMatchesGet<Segment[]>(p`/flows/${flow}/segments`);
      expect(get.body.map((s) => s.timerange)).toEqual(['[0:0_1:0)', '[1:0_2:0)', '[2:0_3:0)']);
      expect(get.headers.get('x-paging-count')).toBe('3');
      expect(get.headers.get('x-paging-timerange')).toBe('[0:0_3:0)');
      expect(get.headers.get('x-paging-reverse-order')).toBe('false');
    });

    it('filters by overlap, reverses, and pages with Link rel="next"', async () => {
      const { client } = context();
      const flow = await createVideoFlowId(client);
      await addSeconds(client, flow, [0, 1, 2, 3, 4, 5, 6, 7]);
      const seen: string[] = [];
      let query: Record<string, string | number | boolean> = {
        timerange: '[1:500000000_6:0)',
        reverse_order: true,
        limit: 2,
      };
      for (let page = 0; page < 10; page++) {
        const r = await client.expectHeadMatchesGet<Segment[]>(p`/flows/${flow}/segments`, { query });
        seen.push(...r.get.body.map((s) => s.timerange));
        const next = r.get.headers.get('x-paging-nextkey');
        if (!next) break;
        query = { ...query, page: next };
      }
      expect(seen).toEqual(['[5:0_6:0)', '[4:0_5:0)', '[3:0_4:0)', '[2:0_3:0)', '[1:0_2:0)']);
      const byObject = await client.get<Segment[]>(p`/flows/${flow}/segments`, {
        query: { object_id: 'no-such-object' },
      });
      expect(byObject.body).toEqual([]);
      expect(byObject.headers.get('x-paging-timerange')).toBe('()');
    });

    it('shapes get_urls as the 7.0 filters and verbose_storage say', async () => {
      const { client } = context();
      const flow = await createVideoFlowId(client);
      const [own] = await allocate(client, flow, 1);
      await client.post(p`/flows/${flow}/segments`, {
        body: {
          object_id: own,
          timerange: '[0:0_1:0)',
          get_urls: [{ url: 'https://cdn.example/own', label: 'cdn' }],
        },
        expectStatus: 201,
      });
      const backends = await client.get<{ id: string; label?: string }[]>('/service/storage-backends');
      const backend = backends.body[0]!;
      const urls = async (query: Record<string, string | boolean>) =>
        (await client.get<Segment[]>(p`/flows/${flow}/segments`, { query })).body[0]!.get_urls ?? [];
      const plain = await urls({});
      expect(plain.map((u) => u.label)).toEqual([backend.label, 'cdn']);
      expect(Object.keys(plain[0]!).sort()).toEqual(['label', 'presigned', 'url']);
      const verbose = await urls({ verbose_storage: true });
      expect(verbose[0]).toMatchObject({ storage_id: backend.id, controlled: true, presigned: true });
      expect(verbose[1]).toMatchObject({ controlled: false });
      expect(await urls({ accept_get_urls: '' })).toEqual([]);
      expect((await urls({ accept_get_urls: 'cdn' })).map((u) => u.label)).toEqual(['cdn']);
      expect((await urls({ accept_storage_ids: '' })).length).toBe(2);
      expect((await urls({ accept_storage_ids: backend.id })).map((u) => u.label)).toEqual([backend.label]);
      expect((await urls({ presigned: false })).map((u) => u.label)).toEqual(['cdn']);
    });

    it('answers 200 [] for a flow that does not exist, 404 for a malformed id, 400 for bad parameters', async () => {
      const { client } = context();
      const missing = await client.expectHeadMatchesGet<Segment[]>(p`/flows/${randomUUID()}/segments`);
      expect(missing.get.status).toBe(200);
      expect(missing.get.body).toEqual([]);
      await client.get(p`/flows/${'not-a-uuid'}/segments`, { expectStatus: 404 });
      const flow = await createVideoFlowId(client);
      for (const query of [
        { timerange: '[1:0_2:05)' },
        { reverse_order: 'maybe' },
        { limit: 0 },
        { verbose_storage: 'yes' },
        { presigned: 'no' },
        { accept_storage_ids: 'not-a-uuid' },
        { page: 'forged' },
      ])
        await client.get(p`/flows/${flow}/segments`, { query, expectStatus: 400 });
    });

    it('POST: 200 with failed_segments for partial failures, 400 for one bad segment or body, 403, 404', async () => {
      const { client } = context();
      const flow = await createVideoFlowId(client);
      const [a, b] = await allocate(client, flow, 2);
      await client.post(p`/flows/${flow}/segments`, {
        body: { object_id: a, timerange: '[0:0_10:0)' },
        expectStatus: 201,
      });
      const partial = await client.post<{
        failed_segments: { object_id: string; timerange?: string; error?: { type: string } }[];
      }>(p`/flows/${flow}/segments`, {
        body: [
          { object_id: b, timerange: '[5:0_15:0)' },
          { object_id: b, timerange: '[10:0_20:0)' },
          { object_id: 'unknown/object', timerange: '[30:0_31:0)' },
        ],
        expectStatus: 200,
      });
      expect(partial.body.failed_segments.map((f) => f.object_id)).toEqual([b, 'unknown/object']);
      expect(partial.body.failed_segments[0]).toMatchObject({
        timerange: '[5:0_15:0)',
        error: { type: 'SEGMENT_OVERLAP' },
      });
      await client.post(p`/flows/${flow}/segments`, {
        body: { object_id: a, timerange: '[1:0_2:0)' },
        expectStatus: 400,
      });
      await client.post(p`/flows/${flow}/segments`, {
        body: { object_id: a, timerange: '()' },
        expectStatus: 400,
      });
      await client.post(p`/flows/${flow}/segments`, {
        body: { timerange: '[40:0_41:0)' },
        expectStatus: 400,
      });
      await client.post(p`/flows/${flow}/segments`, { body: 42, expectStatus: 400 });
      await client.post(p`/flows/${flow}/segments`, { rawBody: '[{"object_id":', expectStatus: 400 });
      const locked = await createVideoFlowId(client, { read_only: true });
      await client.post(p`/flows/${locked}/segments`, {
        body: { object_id: a, timerange: '[0:0_1:0)' },
        expectStatus: 403,
      });
      const bare = await createVideoFlowId(client, { container: undefined });
      await client.post(p`/flows/${bare}/segments`, {
        body: { object_id: 'x', timerange: '[0:0_1:0)', get_urls: [{ url: 'https://x.example/1' }] },
        expectStatus: 400,
      });
      await client.post(p`/flows/${randomUUID()}/segments`, {
        body: { object_id: a, timerange: '[0:0_1:0)' },
        expectStatus: 404,
      });
    });

    it('DELETE removes only segments lying inside the range (204), by object too; 400, 403, 404', async () => {
      const { client } = context();
      const flow = await createVideoFlowId(client);
      const objects = await addSeconds(client, flow, [0, 1, 2, 3]);
      await client.delete(p`/flows/${flow}/segments`, {
        query: { timerange: '[0:500000000_3:0)' },
        expectStatus: 204,
      });
      const left = await client.get<Segment[]>(p`/flows/${flow}/segments`);
      expect(left.body.map((s) => s.timerange)).toEqual(['[0:0_1:0)', '[3:0_4:0)']);
      await client.delete(p`/flows/${flow}/segments`, {
        query: { object_id: objects[3]! },
        expectStatus: 204,
      });
      expect((await client.get<Segment[]>(p`/flows/${flow}/segments`)).body.map((s) => s.object_id)).toEqual([
        objects[0],
      ]);
      await client.delete(p`/flows/${flow}/segments`, {
        query: { timerange: 'nonsense' },
        expectStatus: 400,
      });
      const locked = await createVideoFlowId(client, { read_only: true });
      await client.delete(p`/flows/${locked}/segments`, { expectStatus: 403 });
      await client.delete(p`/flows/${randomUUID()}/segments`, { expectStatus: 404 });
      await client.delete(p`/flows/${'not-a-uuid'}/segments`, { expectStatus: 404 });
    });
  },
};
