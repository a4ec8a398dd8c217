import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/logger.js';
import type { RunningService } from '../../gateway/service.js';
import { startService } from '../../gateway/service.js';
import { loadConfig } from '../../lib/config/config.js';
import { bearer } from '../support/admin-token.js';
import { runCli } from '../support/cli.js';

/** The README's REST walkthrough, step by step, as a new user runs it against `npm start`. */

const dir = mkdtempSync(join(tmpdir(), 'tams-rest-walkthrough-'));
let service: RunningService;
let token: string;
const FLOW = '3b2a5c3e-7f1a-4c3b-9e2a-1f0d6c8b9a01';
const SOURCE = '9d1c2b3a-4e5f-4a6b-8c7d-0e1f2a3b4c5d';

beforeAll(async () => {
  service = await startService(loadConfig({ TAMS_DATA_DIR: dir, TAMS_PORT: '0' }), 'embedded', {
    log: createLogger('silent'),
    version: 'test',
  });
});
afterAll(async () => {
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

const json = (method: string, path: string, body?: unknown) =>
  fetch(`${service.url}${path}`, {
    method,
    headers: {
      ...bearer(token),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('the README REST walkthrough', () => {
  it('creates a flow, uploads, registers, lists, downloads and deletes', async () => {
    // 0. The first start says how to get a token; without one the store answers 401.
    expect(service.notes.join('\n')).toMatch(
      /tams token create --scopes read,write,delete,admin --user admin/,
    );
    const anonymous = await fetch(`${service.url}/service`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer realm="tams", Basic realm="tams"/);
    const created = await runCli(
      ['token', 'create', '--scopes', 'read,write,delete,admin', '--user', 'admin'],
      {
        TAMS_DATA_DIR: dir,
      },
    );
    expect(created.code, created.stderr).toBe(0);
    token = created.stdout.trim();
    expect(token).toMatch(/^tams_[\w-]{43}$/);

    // 1. Create a flow; its source appears.
    const put = await json('PUT', `/flows/${FLOW}`, {
      id: FLOW,
      source_id: SOURCE,
      format: 'urn:x-nmos:format:video',
      codec: 'video/h264',
      container: 'video/mp2t',
      label: 'Studio A camera 1',
      essence_parameters: { frame_width: 1920, frame_height: 1080, frame_rate: { numerator: 25 } },
    });
    expect(put.status).toBe(201);
    expect((await (await json('GET', `/sources/${SOURCE}`)).json()) as object).toMatchObject({
      id: SOURCE,
      format: 'urn:x-nmos:format:video',
    });

    // 2. Allocate storage for two objects.
    const storage = await json('POST', `/flows/${FLOW}/storage`, { limit: 2 });
    expect(storage.status).toBe(201);
    const { media_objects: objects } = (await storage.json()) as {
      media_objects: { object_id: string; put_url: { url: string; 'content-type': string } }[];
    };

    // 3. Upload each file to its put URL.
    const files = objects.map((_, i) => Buffer.from(`transport stream ${i} `.repeat(1000)));
    for (const [i, o] of objects.entries()) {
      const upload = await fetch(o.put_url.url, {
        method: 'PUT',
        headers: { 'content-type': o.put_url['content-type'] },
        body: files[i],
      });
      expect(upload.status).toBe(201);
    }

    // 4. Register them as two ten-second segments.
    const register = await json('POST', `/flows/${FLOW}/segments`, [
      { object_id: objects[0]!.object_id, timerange: '[1700000000:0_1700000010:0)' },
      { object_id: objects[1]!.object_id, timerange: '[1700000010:0_1700000020:0)' },
    ]);
    expect(register.status).toBe(201);

    // 5. List the segments of a time range, with their get URLs.
    const list = await json(
      'GET',
      `/flows/${FLOW}/segments?timerange=${encodeURIComponent('[1700000012:0_1700000015:0)')}`,
    );
    expect(list.status).toBe(200);
    expect(list.headers.get('x-paging-timerange')).toBe('[1700000010:0_1700000020:0)');
    const segments = (await list.json()) as { object_id: string; get_urls: { url: string }[] }[];
    expect(segments.map((s) => s.object_id)).toEqual([objects[1]!.object_id]);

    // 6. Download it.
    const download = await fetch(segments[0]!.get_urls[0]!.url);
    expect(Buffer.from(await download.arrayBuffer()).equals(files[1]!)).toBe(true);

    // 7. Delete the flow: its source goes with it.
    expect((await json('DELETE', `/flows/${FLOW}`)).status).toBe(204);
    expect((await json('GET', `/flows/${FLOW}`)).status).toBe(404);
    expect((await json('GET', `/sources/${SOURCE}`)).status).toBe(404);
  });
});
