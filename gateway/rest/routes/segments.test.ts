import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestService } from '../test-support/rest-service.js';
import { openRestService } from '../test-support/rest-service.js';

/** /flows/{flowId}/segments on a real embedded store. */

let rest: RestService;
beforeAll(async () => {
  rest = await openRestService();
});
afterAll(() => rest?.close());

type Json = Record<string, unknown>;

async function allocate(flowId: string, limit: number): Promise<string[]> {
  const answer = await rest.send<{ media_objects: { object_id: string }[] }>(
    'POST',
    `/flows/${flowId}/storage`,
    { limit },
  );
  return answer.body.media_objects.map((o) => o.object_id);
}

describe('POST /flows/{flowId}/segments', () => {
  it('takes one segment (201) or several; a bulk POST reports each failure and stores the others', async () => {
    const flow = await rest.createFlow();
    const [a, b, c] = await allocate(flow, 3);
    expect(
      (await rest.send('POST', `/flows/${flow}/segments`, { object_id: a, timerange: '[0:0_1:0)' })).status,
    ).toBe(201);
    const bulk = await rest.send<{ failed_segments: Json[] }>('POST', `/flows/${flow}/segments`, [
      { object_id: b, timerange: '[1:0_2:0)' },
      { object_id: 'x', timerange: '[2:0_3:05)' }, // not a TimeRange: refused alone, by the schema's scalar
      { object_id: c, timerange: '[0:500000000_1:500000000)' }, // overlaps: refused alone, by the domain
      { timerange: '[5:0_6:0)' }, // not a segment
    ]);
    expect(bulk.status).toBe(200);
    expect(bulk.body.failed_segments).toEqual([
      {
        object_id: 'x',
        timerange: '[2:0_3:05)',
        error: {
          type: 'BAD_REQUEST',
          summary: expect.stringMatching(/^timerange: /) as string,
          time: expect.any(String) as string,
        },
      },
      {
        object_id: c,
        timerange: '[0:500000000_1:500000000)',
        error: {
          type: 'SEGMENT_OVERLAP',
          summary: expect.any(String) as string,
          time: expect.any(String) as string,
        },
      },
      {
        object_id: '',
        timerange: '[5:0_6:0)',
        error: { type: 'BAD_REQUEST', summary: 'object_id: required', time: expect.any(String) as string },
      },
    ]);
    const listed = await rest.send<Json[]>('GET', `/flows/${flow}/segments`);
    expect(listed.body.map((s) => s.object_id)).toEqual([a, b]);
  });

  it('answers one failed segment with its error: the domain’s code and the status of that code', async () => {
    const flow = await rest.createFlow();
    const [a] = await allocate(flow, 1);
    await rest.send('POST', `/flows/${flow}/segments`, { object_id: a, timerange: '[0:0_1:0)' });
    expect(
      await rest.send('POST', `/flows/${flow}/segments`, { object_id: a, timerange: '[0:0_1:0)' }),
    ).toMatchObject({
      status: 400,
      body: { type: 'SEGMENT_OVERLAP' },
    });
    expect(
      await rest.send('POST', `/flows/${flow}/segments`, { object_id: a, timerange: 'x' }),
    ).toMatchObject({
      status: 400,
      body: { type: 'BAD_REQUEST' },
    });
    expect(
      await rest.send('POST', `/flows/${randomUUID()}/segments`, { object_id: a, timerange: '[5:0_6:0)' }),
    ).toMatchObject({
      status: 404,
      body: { type: 'NOT_FOUND' },
    });
  });
});

describe('GET /flows/{flowId}/segments', () => {
  it('lists in time order or reversed, with the 7.0 paging headers from the result', async () => {
    const flow = await rest.createFlow();
    const objects = await allocate(flow, 3);
    await rest.send(
      'POST',
      `/flows/${flow}/segments`,
      objects.map((object_id, i) => ({ object_id, timerange: `[${i}:0_${i + 1}:0)` })),
    );
    const first = await rest.send<Json[]>('GET', `/flows/${flow}/segments?limit=2&reverse_order=true`);
    expect(first.body.map((s) => s.timerange)).toEqual(['[2:0_3:0)', '[1:0_2:0)']);
    expect(first.headers).toMatchObject({
      'x-paging-limit': '2',
      'x-paging-count': '2',
      'x-paging-reverse-order': 'true',
      'x-paging-timerange': '[1:0_3:0)',
    });
    const rest2 = await rest.send<Json[]>(
      'GET',
      `/flows/${flow}/segments?limit=2&reverse_order=true&page=${first.headers['x-paging-nextkey']}`,
    );
    expect(rest2.body.map((s) => s.timerange)).toEqual(['[0:0_1:0)']);
    expect(rest2.headers.link).toBeUndefined();
    const window = await rest.send<Json[]>('GET', `/flows/${flow}/segments?timerange=[1:0_2:0)`);
    expect(window.body.map((s) => s.timerange)).toEqual(['[1:0_2:0)']);
    const [segment] = (await rest.send<Json[]>('GET', `/flows/${flow}/segments?limit=1&verbose_storage=true`))
      .body;
    expect((segment!.get_urls as Json[])[0]).toMatchObject({ presigned: true, controlled: true });
    const none = await rest.send<Json[]>('GET', `/flows/${flow}/segments?limit=1&accept_get_urls=`);
    expect(none.body[0]!.get_urls).toEqual([]);
  });

  it('answers 200 [] for a flow that does not exist, with the limit the domain applies', async () => {
    const missing = await rest.send<Json[]>('GET', `/flows/${randomUUID()}/segments?limit=5000`);
    expect(missing.status).toBe(200);
    expect(missing.body).toEqual([]);
    expect(missing.headers).toMatchObject({
      'x-paging-limit': '1000',
      'x-paging-count': '0',
      'x-paging-timerange': '()',
    });
    expect((await rest.send('GET', `/flows/${randomUUID()}/segments`)).headers['x-paging-limit']).toBe('100');
    expect((await rest.send<Json>('GET', `/flows/${randomUUID()}/segments?limit=0`)).body).toMatchObject({
      type: 'BAD_REQUEST',
    });
  });

  it('refuses bad parameters on any flow, with or without segments', async () => {
    for (const flow of [await rest.createFlow(), randomUUID()]) {
      expect(
        (await rest.send<Json>('GET', `/flows/${flow}/segments?accept_storage_ids=x`)).body,
      ).toMatchObject({ type: 'INVALID_ID' });
      expect((await rest.send<Json>('GET', `/flows/${flow}/segments?timerange=x`)).body).toMatchObject({
        type: 'BAD_USER_INPUT',
      });
      expect((await rest.send<Json>('GET', `/flows/${flow}/segments?reverse_order=1`)).body).toMatchObject({
        type: 'BAD_REQUEST',
      });
    }
    expect((await rest.send('GET', '/flows/nope/segments')).status).toBe(404);
  });
});

describe('DELETE /flows/{flowId}/segments', () => {
  it('deletes the segments inside the range (204); a bad range is 400, a read-only flow 403', async () => {
    const flow = await rest.createFlow();
    const objects = await allocate(flow, 2);
    await rest.send(
      'POST',
      `/flows/${flow}/segments`,
      objects.map((object_id, i) => ({ object_id, timerange: `[${i}:0_${i + 1}:0)` })),
    );
    expect((await rest.send('DELETE', `/flows/${flow}/segments?timerange=[0:0_1:0]`)).status).toBe(204);
    expect((await rest.send<Json[]>('GET', `/flows/${flow}/segments`)).body.map((s) => s.timerange)).toEqual([
      '[1:0_2:0)',
    ]);
    expect((await rest.send<Json>('DELETE', `/flows/${flow}/segments?timerange=nope`)).body).toMatchObject({
      type: 'BAD_USER_INPUT',
    });
    const locked = await rest.createFlow({ read_only: true });
    expect((await rest.send<Json>('DELETE', `/flows/${locked}/segments`)).body).toMatchObject({
      type: 'FLOW_READ_ONLY',
    });
  });
});
