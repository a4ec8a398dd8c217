import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/logger.js';
import type { RunningService } from '../../gateway/service.js';
import { startService } from '../../gateway/service.js';
import { loadConfig } from '../../lib/config/config.js';
import { dumpStore, storeChanges } from '../support/store-dump.js';

/**
 * Every REST route family refuses malformed ids, timeranges, JSON, query values and oversized bodies
 * with a 4xx and a TAMS error body, and the store's content is the same afterwards, table by table.
 */

const dir = mkdtempSync(join(tmpdir(), 'tams-bad-input-'));
let service: RunningService;
const FLOW = randomUUID();
const READ_ONLY = randomUUID();
const SOURCE = randomUUID();

const send = (
  method: string,
  path: string,
  body?: string | Uint8Array,
  headers: Record<string, string> = {},
) =>
  fetch(`${service.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });

const flow = (id: string, extra: object = {}) =>
  JSON.stringify({
    id,
    source_id: SOURCE,
    format: 'urn:x-nmos:format:video',
    codec: 'video/h264',
    container: 'video/mp2t',
    essence_parameters: { frame_width: 640, frame_height: 360 },
    ...extra,
  });

beforeAll(async () => {
  service = await startService(
    loadConfig({ TAMS_DATA_DIR: dir, TAMS_PORT: '0', TAMS_AUTH: 'off' }),
    'embedded',
    {
      log: createLogger('silent'),
      version: 'test',
    },
  );
  expect((await send('PUT', `/flows/${FLOW}`, flow(FLOW, { tags: { a: 'b' } }))).status).toBe(201);
  expect((await send('PUT', `/flows/${READ_ONLY}`, flow(READ_ONLY, { read_only: true }))).status).toBe(201);
  const storage = (await (await send('POST', `/flows/${FLOW}/storage`, '{"limit":1}')).json()) as {
    media_objects: { object_id: string }[];
  };
  const segment = JSON.stringify({ object_id: storage.media_objects[0]!.object_id, timerange: '[0:0_10:0)' });
  expect((await send('POST', `/flows/${FLOW}/segments`, segment)).status).toBe(201);
});
afterAll(async () => {
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

const huge = JSON.stringify({
  object_id: 'x',
  timerange: '[0:0_1:0)',
  padding: 'x'.repeat(17 * 1024 * 1024),
});
const segmentsOf = (id: string) => `/flows/${id}/segments`;

/** A JSON string whose text holds `bytes` raw: bytes that are not UTF-8 reach the server as they are. */
const rawJsonString = (...bytes: number[]) => Buffer.from([0x22, 0x61, ...bytes, 0x22]);

/** [method, path, body, expected status] per route family. */
const CASES: [string, string, string | Uint8Array | undefined, number][] = [
  // service and webhooks
  ['POST', '/service', '{"name": 42}', 400],
  ['POST', '/service', '{', 400],
  ['POST', '/service', '{"unknown": "x"}', 400],
  ['POST', '/service/webhooks', '{"url": "https://h.example", "events": ["nope"]}', 400],
  ['POST', '/service/webhooks', '[]', 400],
  // sources
  ['GET', '/sources?limit=0', undefined, 400],
  ['GET', '/sources?format=urn:x-nmos:format:smell', undefined, 400],
  ['GET', '/sources?tag_exists.a=maybe', undefined, 400],
  ['GET', '/sources?page=forged', undefined, 400],
  ['PUT', `/sources/${SOURCE}/label`, '42', 400],
  ['PUT', `/sources/${SOURCE}/description`, '{', 400],
  ['PUT', `/sources/${SOURCE}/tags/a`, '["list"]', 400],
  ['PUT', '/sources/not-a-uuid/label', '"x"', 404],
  ['PUT', `/sources/${SOURCE}`, '{}', 405],
  // flows
  ['GET', '/flows?timerange=[0:0_1:05)', undefined, 400],
  ['GET', '/flows?frame_width=wide', undefined, 400],
  ['GET', `/flows/${FLOW}?include_timerange=maybe`, undefined, 400],
  ['PUT', `/flows/${FLOW}`, '{', 400],
  [
    'PUT',
    `/flows/${FLOW}`,
    JSON.stringify({ id: randomUUID(), source_id: SOURCE, format: 'urn:x-nmos:format:multi' }),
    400,
  ],
  [
    'PUT',
    `/flows/${FLOW}`,
    JSON.stringify({ id: FLOW, source_id: 'x', format: 'urn:x-nmos:format:multi' }),
    400,
  ],
  [
    'PUT',
    `/flows/${FLOW}`,
    JSON.stringify({
      id: FLOW,
      source_id: SOURCE,
      format: 'urn:x-nmos:format:audio',
      codec: 'audio/aac',
      essence_parameters: { sample_rate: 48000, channels: 2 },
    }),
    400,
  ],
  ['PUT', `/flows/${READ_ONLY}`, flow(READ_ONLY, { label: 'changed' }), 403],
  ['PUT', '/flows/NOT-A-UUID', '{}', 404],
  ['DELETE', `/flows/${READ_ONLY}`, undefined, 403],
  ['PUT', `/flows/${FLOW}/read_only`, '"yes"', 400],
  ['PUT', `/flows/${FLOW}/max_bit_rate`, '-1', 400],
  ['PUT', `/flows/${FLOW}/avg_bit_rate`, '1.5', 400],
  ['PUT', `/flows/${FLOW}/flow_collection`, JSON.stringify([{ id: randomUUID(), role: 'x' }]), 400],
  ['PUT', `/flows/${FLOW}/flow_collection`, '{"not":"a list"}', 400],
  ['PUT', `/flows/${READ_ONLY}/label`, '"x"', 403],
  ['DELETE', `/flows/${READ_ONLY}/tags/a`, undefined, 403],
  // segments, storage, objects
  ['GET', `${segmentsOf(FLOW)}?timerange=(`, undefined, 200], // `(` alone is a valid (empty) timerange
  ['GET', `${segmentsOf(FLOW)}?timerange=[0:0_1:0]]`, undefined, 400],
  ['GET', `${segmentsOf(FLOW)}?accept_storage_ids=x`, undefined, 400],
  ['POST', segmentsOf(FLOW), JSON.stringify({ object_id: 'x', timerange: '[5:0_6:0)' }), 400],
  ['POST', segmentsOf(FLOW), JSON.stringify({ object_id: 'x', timerange: '[5:0_6:00)' }), 400],
  ['POST', segmentsOf(FLOW), huge, 413],
  ['POST', segmentsOf(FLOW), 'null', 400],
  ['POST', segmentsOf(READ_ONLY), JSON.stringify({ object_id: 'x', timerange: '[5:0_6:0)' }), 403],
  ['DELETE', `${segmentsOf(FLOW)}?timerange=nope`, undefined, 400],
  ['DELETE', segmentsOf(READ_ONLY), undefined, 403],
  ['POST', `/flows/${FLOW}/storage`, '{"limit": 1, "object_ids": ["a"]}', 400],
  ['POST', `/flows/${FLOW}/storage`, '{"storage_id": "not-a-uuid"}', 400],
  ['POST', `/flows/${FLOW}/storage`, 'null', 400],
  ['POST', `/flows/${READ_ONLY}/storage`, '{}', 403],
  ['GET', '/objects/unknown%2Fobject', undefined, 404],
  ['GET', '/objects/%E0%A4%A', undefined, 404],
  ['GET', '/flow-delete-requests/not-a-uuid', undefined, 404],
  // object ids no store or URL can carry (issue 10): a 400, nothing allocated
  ...['.', '..', 'a/.', 'c/./d', '/lead', 'a//b', 'tab\tid', 'x'.repeat(256)].map(
    (id): [string, string, string, number] => [
      'POST',
      `/flows/${FLOW}/storage`,
      JSON.stringify({ object_ids: [id] }),
      400,
    ],
  ),
  [
    'POST',
    segmentsOf(FLOW),
    JSON.stringify({
      object_id: 'a/../b',
      timerange: '[5:0_6:0)',
      get_urls: [{ url: 'https://x.example/1' }],
    }),
    400,
  ],
  // get URLs a media client cannot fetch, or a browser would run
  ...[
    'javascript:alert(1)',
    'data:text/html,x',
    's3://bucket/key',
    'java\nscript:alert(1)',
    'https://u:p@x.example/',
  ].map((url): [string, string, string, number] => [
    'POST',
    segmentsOf(FLOW),
    JSON.stringify({ object_id: 'elsewhere/1', timerange: '[5:0_6:0)', get_urls: [{ url }] }),
    400,
  ]),
  // text that is not Unicode: invalid UTF-8 bytes, Latin-1, an overlong encoding, lone surrogates
  ['PUT', `/flows/${FLOW}/label`, rawJsonString(0xff), 400],
  ['PUT', `/flows/${FLOW}/description`, rawJsonString(0xe9), 400],
  ['PUT', `/sources/${SOURCE}/label`, rawJsonString(0xc0, 0xaf), 400],
  ['PUT', `/sources/${SOURCE}/description`, rawJsonString(0xed, 0xa0, 0x80), 400],
  ['PUT', `/flows/${FLOW}/label`, '"\\ud800"', 400],
  ['PUT', `/flows/${FLOW}`, flow(FLOW, { codec: 'video/\udc00' }), 400],
  ['PUT', `/flows/${FLOW}/tags/a`, '"\\udbff"', 400],
  ['POST', '/service', '{"name": "\\udfff"}', 400],
  ['GET', '/flows?label=%FF', undefined, 400],
  ['GET', '/flows?tag.genre=%C3', undefined, 400],
  ['GET', `${segmentsOf(FLOW)}?object_id=%ED%A0%80`, undefined, 400],
  ['GET', '/objects/%FF', undefined, 404],
];

describe('bad input on every REST route family', () => {
  it('is answered with a 4xx and a TAMS error body, and changes nothing', async () => {
    const before = await dumpStore(dir);
    for (const [method, path, body, status] of CASES) {
      const response = await send(method, path, body);
      expect(response.status, `${method} ${path}`).toBe(status);
      if (status >= 400) {
        const error = (await response.json()) as { type: string; summary: string; time: string };
        expect(typeof error.type, `${method} ${path}`).toBe('string');
        expect(error.summary, `${method} ${path}`).toMatch(/\S/);
        expect(Number.isNaN(Date.parse(error.time)), `${method} ${path}`).toBe(false);
      } else await response.arrayBuffer();
    }
    expect(storeChanges(before, await dumpStore(dir))).toEqual([]);
  });

  it('refuses a JSON body sent without Content-Type: application/json (what a cross-site page can send)', async () => {
    const before = await dumpStore(dir);
    const webhook = JSON.stringify({ url: 'https://receiver.example/hook', events: ['flows/created'] });
    for (const type of [undefined, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data'])
      for (const [method, path, body] of [
        ['POST', '/service/webhooks', webhook],
        ['PUT', `/flows/${FLOW}/label`, '"renamed"'],
        ['POST', `/flows/${FLOW}/storage`, '{}'],
      ] as const) {
        const response = await fetch(`${service.url}${path}`, {
          method,
          headers: type ? { 'content-type': type } : {},
          body: new Blob([body]), // a Blob without a type: fetch sends no Content-Type
        });
        expect(response.status, `${method} ${path} as ${type ?? 'no type'}`).toBe(400);
        expect(((await response.json()) as { summary: string }).summary).toMatch(/application\/json/);
      }
    expect(storeChanges(before, await dumpStore(dir))).toEqual([]);
  });
});
