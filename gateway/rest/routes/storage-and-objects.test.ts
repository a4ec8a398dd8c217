import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestService } from '../test-support/rest-service.js';
import { openRestService } from '../test-support/rest-service.js';

/** Storage allocation, /objects and /flow-delete-requests on a real embedded store. */

let rest: RestService;
beforeAll(async () => {
  rest = await openRestService();
});
afterAll(() => rest?.close());

type Json = Record<string, unknown>;
type Allocation = { media_objects: { object_id: string; put_url: Json }[] };

describe('POST /flows/{flowId}/storage', () => {
  it('allocates by count (the domain’s default without a body) or by client ids, with upload URLs', async () => {
    const flow = await rest.createFlow();
    const byDefault = await rest.send<Allocation>('POST', `/flows/${flow}/storage`);
    expect(byDefault.status).toBe(201);
    expect(byDefault.body.media_objects.length).toBeGreaterThan(0);
    expect(byDefault.body.media_objects[0]!.put_url).toMatchObject({
      url: expect.any(String) as string,
      'content-type': 'video/mp2t',
    });
    const chosen = await rest.send<Allocation>('POST', `/flows/${flow}/storage`, { object_ids: ['mine/1'] });
    expect(chosen.body.media_objects.map((o) => o.object_id)).toEqual(['mine/1']);
  });

  it('leaves the rules to the domain: both limit and ids, a bad backend id, a read-only flow', async () => {
    const flow = await rest.createFlow();
    expect(
      (await rest.send<Json>('POST', `/flows/${flow}/storage`, { limit: 1, object_ids: ['a'] })).body,
    ).toMatchObject({
      type: 'BAD_REQUEST',
      summary: 'give either limit or objectIds, not both',
    });
    expect((await rest.send<Json>('POST', `/flows/${flow}/storage`, { storage_id: 'x' })).body).toMatchObject(
      { type: 'INVALID_ID' },
    );
    expect((await rest.send<Json>('POST', `/flows/${flow}/storage`, { limit: 'one' })).body).toMatchObject({
      type: 'BAD_REQUEST',
      summary: expect.stringMatching(/^limit: /) as string,
    });
    const locked = await rest.createFlow({ read_only: true });
    expect((await rest.send('POST', `/flows/${locked}/storage`, {})).status).toBe(403);
  });
});

describe('GET /objects/{objectId}', () => {
  it('shows who references an object, paged with the domain’s limit; 404 for unknown objects', async () => {
    const flows = [await rest.createFlow(), await rest.createFlow()];
    const object = 'shared/object';
    for (const [i, flow] of flows.entries())
      expect(
        (
          await rest.send('POST', `/flows/${flow}/segments`, {
            object_id: object,
            timerange: `[${i}:0_${i + 1}:0)`,
            get_urls: [{ url: 'https://media.example/shared' }],
          })
        ).status,
      ).toBe(201);
    const page = await rest.send<Json>('GET', `/objects/${encodeURIComponent(object)}?limit=1`);
    expect(page.body).toMatchObject({ id: object, first_referenced_by_flow: flows[0] });
    expect(page.body.referenced_by_flows).toHaveLength(1);
    expect(page.headers['x-paging-limit']).toBe('1');
    const next = await rest.send<Json>(
      'GET',
      `/objects/${encodeURIComponent(object)}?limit=1&page=${page.headers['x-paging-nextkey']}`,
    );
    expect(
      [...(page.body.referenced_by_flows as string[]), ...(next.body.referenced_by_flows as string[])].sort(),
    ).toEqual([...flows].sort());
    expect((await rest.send<Json>('GET', '/objects/unknown')).body).toMatchObject({ type: 'NOT_FOUND' });
  });
});

describe('/flow-delete-requests', () => {
  it('lists requests and answers 404 for unknown and malformed ids', async () => {
    expect(Array.isArray((await rest.send('GET', '/flow-delete-requests')).body)).toBe(true);
    expect((await rest.send<Json>('GET', `/flow-delete-requests/${randomUUID()}`)).body).toMatchObject({
      type: 'NOT_FOUND',
    });
    expect((await rest.send('GET', '/flow-delete-requests/nope')).status).toBe(404);
  });
});
