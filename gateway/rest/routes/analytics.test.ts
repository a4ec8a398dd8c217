import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestService } from '../test-support/rest-service.js';
import { openRestService } from '../test-support/rest-service.js';

/**
 * `/analytics/*` (extensions for legacy tools) on a real embedded store: the same numbers as the GraphQL
 * fields they run, in snake_case, with the shim's error bodies.
 */

let rest: RestService;
let flow: string;
let objectBytes: number;
beforeAll(async () => {
  rest = await openRestService();
  flow = await rest.createFlow({ codec: 'video/h265' });
  const storage = await rest.send<{
    media_objects: { object_id: string; put_url: { url: string; 'content-type': string } }[];
  }>('POST', `/flows/${flow}/storage`, { limit: 2 });
  const objects = storage.body.media_objects;
  objectBytes = 0;
  for (const [i, o] of objects.entries()) {
    const body = Buffer.alloc(1000 * (i + 1), i);
    objectBytes += body.length;
    const put = await fetch(o.put_url.url, {
      method: 'PUT',
      headers: { 'content-type': o.put_url['content-type'] },
      body,
    });
    expect(put.status).toBe(201);
  }
  const added = await rest.send('POST', `/flows/${flow}/segments`, [
    { object_id: objects[0]!.object_id, timerange: '[0:0_10:0)' },
    { object_id: objects[1]!.object_id, timerange: '[15:0_20:0)' },
  ]);
  expect(added.status).toBe(201);
});
afterAll(() => rest?.close());

async function graphql<T>(query: string): Promise<T> {
  const response = await fetch(rest.service.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  const result = (await response.json()) as { data: T; errors?: unknown };
  expect(result.errors).toBeUndefined();
  return result.data;
}

type Json = Record<string, unknown>;

describe('/analytics/* (extensions)', () => {
  it('GET /analytics/time-range-analysis: coverage, gaps and timeline of one flow', async () => {
    const answer = await rest.send<Json>(
      'GET',
      `/analytics/time-range-analysis?flow_id=${flow}&timerange=${encodeURIComponent('[0:0_30:0)')}&buckets=3`,
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      flow_id: flow,
      timerange: '[0:0_30:0)',
      covered_seconds: 15,
      ratio: 0.5,
      gap_count: 2,
      gaps: [
        { timerange: '[10:0_15:0)', seconds: 5 },
        { timerange: '[20:0_30:0)', seconds: 10 },
      ],
      timeline: [
        { timerange: '[0:0_10:0)', segment_count: 1, covered_seconds: 10 },
        { timerange: '[10:0_20:0)', segment_count: 1, covered_seconds: 5 },
        { timerange: '[20:0_30:0)', segment_count: 0, covered_seconds: 0 },
      ],
    });
    expect((await rest.send('HEAD', `/analytics/time-range-analysis?flow_id=${flow}`)).status).toBe(200);
  });

  it('GET /analytics/flow-usage and /analytics/storage-usage answer what GraphQL answers', async () => {
    const usage = await rest.send<Json>(
      'GET',
      `/analytics/flow-usage?codec=ignored&format=${encodeURIComponent('urn:x-nmos:format:video')}`,
    );
    const viaGraphql = await graphql<{ analytics: { flowUsage: Json } }>(
      '{ analytics { flowUsage(format: "urn:x-nmos:format:video") { totalFlows segmentCount totalDuration byCodec { key flowCount } } } }',
    );
    expect(usage.body).toMatchObject({
      total_flows: viaGraphql.analytics.flowUsage.totalFlows,
      segment_count: 2,
      total_duration: 20,
      by_codec: [
        { key: 'video/h265', flow_count: 1, segment_count: 2, total_duration: 20, mean_duration: 20 },
      ],
    });
    const storage = await rest.send<Json>('GET', '/analytics/storage-usage');
    expect(storage.status).toBe(200);
    // Sizes are recorded at upload by the filesystem store.
    expect(storage.body).toMatchObject({ object_count: 2, sized_object_count: 2, total_bytes: objectBytes });
    expect(storage.body.by_flow_format).toEqual([
      { key: 'urn:x-nmos:format:video', object_count: 2, total_bytes: objectBytes },
    ]);
  });

  it('answers 400 for bad arguments and 404 for an unknown flow', async () => {
    const bad = [
      '/analytics/time-range-analysis',
      `/analytics/time-range-analysis?flow_id=${flow}&buckets=0`,
      `/analytics/time-range-analysis?flow_id=${flow}&timerange=yesterday`,
      '/analytics/flow-usage?created_after=yesterday',
      '/analytics/storage-usage?storage_id=nope',
    ];
    for (const path of bad) expect((await rest.send('GET', path)).status, path).toBe(400);
    const missing = await rest.send<Json>(
      'GET',
      '/analytics/time-range-analysis?flow_id=00000000-0000-4000-8000-000000000000',
    );
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ type: 'NOT_FOUND' });
    expect((await rest.send('POST', '/analytics/flow-usage', {})).status).toBe(405);
  });
});
