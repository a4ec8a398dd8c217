import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/logger.js';
import type { RunningService } from '../../gateway/service.js';
import { startService } from '../../gateway/service.js';
import { loadConfig } from '../../lib/config/config.js';
import { bearer, createToken } from '../support/admin-token.js';
import { dropWebhooksTable } from '../support/sabotage.js';

/**
 * Every 500 leaves its cause in the log, at error level, with the request id the client got back, once,
 * and without the caller's credentials: through the REST shim, over GraphQL and at the object store
 * endpoint. The failures are real: a table dropped under the running store, a store directory replaced
 * by a file.
 */

const dir = mkdtempSync(join(tmpdir(), 'tams-internal-errors-'));
const lines: string[] = [];
let service: RunningService;
let token: string;

interface LogLine {
  level: number;
  msg: string;
  requestId?: string;
  err?: { message?: string; stack?: string };
}
const logged = (requestId: string) =>
  lines.map((l) => JSON.parse(l) as LogLine).filter((l) => l.requestId === requestId && l.level >= 50);

beforeAll(async () => {
  const config = loadConfig({ TAMS_DATA_DIR: dir, TAMS_PORT: '0' });
  service = await startService(config, 'embedded', {
    log: createLogger('debug', { write: (line: string) => void lines.push(line) }),
    version: 'test',
  });
  token = await createToken(config.database);
  // A failure no input can cause: the table behind /service/webhooks disappears under the store.
  dropWebhooksTable(dir);
});
afterAll(async () => {
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('internal errors are logged with their cause and request id', () => {
  it('through the REST shim: a 500 with the TAMS body, and one error line', async () => {
    const r = await fetch(`${service.url}/service/webhooks`, {
      headers: { ...bearer(token), 'x-request-id': 'internal-rest-1' },
    });
    expect(r.status).toBe(500);
    expect(r.headers.get('x-request-id')).toBe('internal-rest-1');
    const body = (await r.json()) as { type: string; summary: string };
    expect(body.summary).toBe('internal error; the server log has the details');
    expect(JSON.stringify(body)).not.toMatch(/webhooks|sqlite/i);
    const errors = logged('internal-rest-1');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.err?.message).toMatch(/no such table: webhooks/);
  });

  it('over GraphQL: the error masked, and one error line', async () => {
    const r = await fetch(`${service.url}/graphql`, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/json', 'x-request-id': 'internal-graphql-1' },
      body: JSON.stringify({ query: '{ webhooks { url } }' }),
    });
    const body = (await r.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors.map((e) => [e.extensions.code, e.message])).toEqual([
      ['INTERNAL_SERVER_ERROR', 'internal error; the server log has the details'],
    ]);
    const errors = logged('internal-graphql-1');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.err?.message).toMatch(/no such table: webhooks/);
  });

  it('at the object store endpoint: a failed upload is a 500 and an error line', async () => {
    const flow = '5f0c2a1e-3b4d-4c5e-8f6a-7b8c9d0e1f2a';
    const put = await fetch(`${service.url}/flows/${flow}`, {
      method: 'PUT',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      body: JSON.stringify({
        id: flow,
        source_id: '6a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d',
        format: 'urn:x-nmos:format:data',
        codec: 'application/octet-stream',
        container: 'application/octet-stream',
        essence_parameters: {},
      }),
    });
    expect(put.status).toBe(201);
    const storage = (await (
      await fetch(`${service.url}/flows/${flow}/storage`, {
        method: 'POST',
        headers: { ...bearer(token), 'content-type': 'application/json' },
        body: '{"limit":1}',
      })
    ).json()) as { media_objects: { put_url: { url: string; 'content-type': string } }[] };
    // Uploads are written under tmp/ first: a file in its place makes every upload fail.
    await rm(join(dir, 'objects', 'tmp'), { recursive: true, force: true });
    writeFileSync(join(dir, 'objects', 'tmp'), 'not a directory');
    const upload = await fetch(storage.media_objects[0]!.put_url.url, {
      method: 'PUT',
      headers: {
        'content-type': storage.media_objects[0]!.put_url['content-type'],
        'x-request-id': 'upload-1',
      },
      body: 'bytes',
    });
    expect(upload.status).toBe(500);
    const errors = logged('upload-1');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.err?.message).toMatch(/ENOTDIR|ENOENT|cannot write/);
  });

  it('never writes the caller’s credentials to the log', () => {
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain(token);
  });
});
