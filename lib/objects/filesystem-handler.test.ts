import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFilesystemObjectStore } from './filesystem-store.js';
import { objectIdProblem } from './object-id.js';
import { anyObjectIdArb, validObjectIdArb } from './test-support/object-id-arbitraries.js';
import type { FilesystemObjectStore } from './filesystem-store.js';
import { pathOf, rawRequest } from './test-support/http.js';

/**
 * The signed-URL endpoint over real HTTP: a node:http server whose only route is the store's handler,
 * as the gateway will mount it. Requests go through node:http with raw paths, not fetch, so hostile paths
 * arrive exactly as written.
 */
let root: string;
let server: Server;
let origin: string;
let store: FilesystemObjectStore;
let now = Date.UTC(2030, 0, 1);
const MAX = 64 * 1024;
/** What the store reported through onStored, and whether the next report should fail. */
const stored: [string, number][] = [];
let failNextStored = false;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tams-fs-handler-'));
  server = createServer((req, res) => {
    void store.handler(req, res).then((handled) => {
      if (!handled) res.writeHead(418).end('not mine');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  store = await createFilesystemObjectStore({
    root,
    publicBaseUrl: `${origin}/`,
    signingKey: randomBytes(32),
    clock: () => now,
    maxObjectBytes: MAX,
    onStored: (id, bytes) => {
      if (failNextStored) {
        failNextStored = false;
        return Promise.reject(new Error('the index is down'));
      }
      stored.push([id, bytes]);
      return Promise.resolve();
    },
    onError: () => undefined,
  });
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(root, { recursive: true, force: true });
});
beforeEach(() => {
  now = Date.UTC(2030, 0, 1);
});

const put = (url: string, body: Buffer, headers: Record<string, string> = {}) =>
  rawRequest(origin, 'PUT', pathOf(url), { body, headers });
const get = (url: string, headers: Record<string, string> = {}) =>
  rawRequest(origin, 'GET', pathOf(url), { headers });
const errorType = (body: Buffer) => (JSON.parse(body.toString()) as { type: string }).type;

describe('filesystem object endpoint: PUT then GET', () => {
  it('uploads with the signed content type and serves the bytes back with their headers', async () => {
    const id = 'flows/1b6a/segment 1+%.ts';
    const body = randomBytes(5000);
    const p = store.presignPut(id, { contentType: 'video/mp2t', expiresInSeconds: 60 });
    expect(p.url.startsWith(`${origin}/object-store/flows%2F1b6a%2Fsegment%201%2B%25.ts?expires=`)).toBe(
      true,
    );
    expect(p.headers).toEqual({ 'content-type': 'video/mp2t' });
    expect((await put(p.url, body, { ...p.headers })).status).toBe(201);

    const res = await get(store.presignGet(id, { expiresInSeconds: 60 }));
    expect(res.status).toBe(200);
    expect(res.body.equals(body)).toBe(true);
    expect(res.headers['content-type']).toBe('video/mp2t');
    expect(res.headers['content-length']).toBe('5000');
    expect(res.headers['accept-ranges']).toBe('bytes');

    const head = await rawRequest(origin, 'HEAD', pathOf(store.presignGet(id, { expiresInSeconds: 60 })));
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('5000');
    expect(head.body.length).toBe(0);
  });

  it('streams a large body in chunks without Content-Length, and never replaces an uploaded object', async () => {
    const id = 'chunked';
    const chunks = Array.from({ length: 16 }, () => randomBytes(4000));
    const url = store.presignPut(id, { expiresInSeconds: 60 }).url;
    expect((await rawRequest(origin, 'PUT', pathOf(url), { body: chunks })).status).toBe(201);
    const whole = Buffer.concat(chunks);
    const res = await get(store.presignGet(id, { expiresInSeconds: 60 }));
    expect(createHash('sha256').update(res.body).digest('hex')).toBe(
      createHash('sha256').update(whole).digest('hex'),
    );
    expect(res.headers['content-type']).toBe('application/octet-stream');

    // The URL is still valid, but the object is immutable now: 409, and the bytes stay.
    const again = await put(url, Buffer.from('second'), { 'content-type': 'text/plain' });
    expect(again.status).toBe(409);
    expect(JSON.parse(again.body.toString())).toMatchObject({ type: 'OBJECT_EXISTS' });
    const kept = await get(store.presignGet(id, { expiresInSeconds: 60 }));
    expect(createHash('sha256').update(kept.body).digest('hex')).toBe(
      createHash('sha256').update(whole).digest('hex'),
    );
  });

  it('serves an empty object', async () => {
    const url = store.presignPut('empty', { expiresInSeconds: 60 }).url;
    expect((await put(url, Buffer.alloc(0))).status).toBe(201);
    const res = await get(store.presignGet('empty', { expiresInSeconds: 60 }));
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('0');
    const ranged = await get(store.presignGet('empty', { expiresInSeconds: 60 }), { range: 'bytes=0-' });
    expect(ranged.status).toBe(416);
  });

  it('decodes the id exactly once: a%2Fb is a/b, %252F is %2F', async () => {
    await store.put('a/b', Buffer.from('slash'));
    await store.put('%2F', Buffer.from('percent'));
    const signed = (id: string) => new URL(store.presignGet(id, { expiresInSeconds: 60 })).search;
    expect((await rawRequest(origin, 'GET', `/object-store/a%2Fb${signed('a/b')}`)).body.toString()).toBe(
      'slash',
    );
    expect((await rawRequest(origin, 'GET', `/object-store/%252F${signed('%2F')}`)).body.toString()).toBe(
      'percent',
    );
    // A signature for a/b does not open %2F, and the other way round.
    expect((await rawRequest(origin, 'GET', `/object-store/%252F${signed('a/b')}`)).status).toBe(403);
  });
});

describe('object sizes', () => {
  it('reports the true size of each upload once stored, also without Content-Length; a failing report does not fail the upload', async () => {
    stored.length = 0;
    const body = randomBytes(12_345);
    expect((await put(store.presignPut('sized/a', { expiresInSeconds: 60 }).url, body)).status).toBe(201);
    expect(
      (await put(store.presignPut('sized/empty', { expiresInSeconds: 60 }).url, Buffer.alloc(0))).status,
    ).toBe(201);
    expect(stored).toEqual([
      ['sized/a', 12_345],
      ['sized/empty', 0],
    ]);
    failNextStored = true;
    expect((await put(store.presignPut('sized/b', { expiresInSeconds: 60 }).url, body)).status).toBe(201);
    expect((await get(store.presignGet('sized/b', { expiresInSeconds: 60 }))).body.equals(body)).toBe(true);
    // A refused upload (the object exists) reports nothing.
    expect((await put(store.presignPut('sized/a', { expiresInSeconds: 60 }).url, body)).status).toBe(409);
    expect(stored).toHaveLength(2);
  });
});

describe('ranges', () => {
  const body = Buffer.from('0123456789');
  beforeAll(async () => {
    await store.put('ranged', body, 'text/plain');
  });
  const url = () => store.presignGet('ranged', { expiresInSeconds: 60 });

  it.each([
    ['bytes=0-3', '0123', 'bytes 0-3/10'],
    ['bytes=7-', '789', 'bytes 7-9/10'],
    ['bytes=-2', '89', 'bytes 8-9/10'],
    ['bytes=5-100', '56789', 'bytes 5-9/10'],
  ])('%s -> 206 %s', async (range, expected, contentRange) => {
    const res = await get(url(), { range });
    expect(res.status).toBe(206);
    expect(res.body.toString()).toBe(expected);
    expect(res.headers['content-range']).toBe(contentRange);
    expect(res.headers['content-length']).toBe(String(expected.length));
  });

  it('answers 416 with the size for an unsatisfiable range', async () => {
    const res = await get(url(), { range: 'bytes=10-' });
    expect(res.status).toBe(416);
    expect(res.headers['content-range']).toBe('bytes */10');
    expect(errorType(res.body)).toBe('RANGE_NOT_SATISFIABLE');
  });

  it('ignores ranges it does not serve (several, malformed) and sends everything', async () => {
    for (const range of ['bytes=0-1,4-5', 'bytes=5-2', 'lines=1-2']) {
      const res = await get(url(), { range });
      expect(res.status).toBe(200);
      expect(res.body.equals(body)).toBe(true);
    }
  });

  it('HEAD with a range gives the partial headers only', async () => {
    const res = await rawRequest(origin, 'HEAD', pathOf(url()), { headers: { range: 'bytes=2-4' } });
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe('bytes 2-4/10');
    expect(res.body.length).toBe(0);
  });
});

describe('signatures', () => {
  beforeAll(async () => {
    await store.put('signed', Buffer.from('secret bytes'));
  });

  it('403 for a missing, malformed or tampered signature', async () => {
    const url = store.presignGet('signed', { expiresInSeconds: 60 });
    const sig = new URL(url).searchParams.get('signature') ?? '';
    const flipped = `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    const cases = [
      ['/object-store/signed', 'SIGNATURE_MISSING'],
      [pathOf(url).replace(/&signature=.*/, ''), 'SIGNATURE_MISSING'],
      [pathOf(url).replace(sig, flipped), 'SIGNATURE_INVALID'],
      [pathOf(url).replace(sig, 'short'), 'SIGNATURE_INVALID'],
      [pathOf(url).replace(sig, `${sig}AAAA`), 'SIGNATURE_INVALID'],
      [
        pathOf(url).replace(/expires=(\d+)/, (_, e: string) => `expires=${Number(e) + 1}`),
        'SIGNATURE_INVALID',
      ],
      [pathOf(url).replace(/expires=\d+/, 'expires=soon'), 'SIGNATURE_INVALID'],
    ] as const;
    for (const [path, type] of cases) {
      const res = await rawRequest(origin, 'GET', path);
      expect(res.status, path).toBe(403);
      expect(res.headers['content-type']).toBe('application/json');
      const parsed = JSON.parse(res.body.toString()) as Record<string, unknown>;
      expect(parsed.type).toBe(type);
      expect(typeof parsed.summary).toBe('string');
      expect(typeof parsed.time).toBe('string');
      expect(res.body.toString()).not.toContain(sig);
    }
  });

  it('403 once expired, and not a second before', async () => {
    const url = store.presignGet('signed', { expiresInSeconds: 60 });
    now += 60_000;
    expect((await get(url)).status).toBe(200);
    now += 1000;
    const res = await get(url);
    expect(res.status).toBe(403);
    expect(errorType(res.body)).toBe('URL_EXPIRED');
  });

  it('a GET URL does not allow PUT, and a PUT URL does not allow GET', async () => {
    const getUrl = store.presignGet('signed', { expiresInSeconds: 60 });
    expect((await put(getUrl, Buffer.from('overwrite'))).status).toBe(403);
    const putUrl = store.presignPut('signed', { expiresInSeconds: 60 }).url;
    expect((await get(putUrl)).status).toBe(403);
    expect((await get(getUrl)).body.toString()).toBe('secret bytes');
  });

  it('a PUT URL signed with a content type requires exactly that Content-Type', async () => {
    const { url } = store.presignPut('typed', { contentType: 'video/mp2t', expiresInSeconds: 60 });
    expect((await put(url, Buffer.from('x'))).status).toBe(403);
    const wrong = await put(url, Buffer.from('x'), { 'content-type': 'text/html' });
    expect(wrong.status).toBe(403);
    expect(JSON.parse(wrong.body.toString())).toMatchObject({ type: 'SIGNATURE_INVALID' });
    expect(await store.exists('typed')).toBe(false);
    expect((await put(url, Buffer.from('x'), { 'content-type': 'video/mp2t' })).status).toBe(201);
  });

  it('URLs from another key do not verify; URLs from the same key do, as after a restart', async () => {
    const key = randomBytes(32);
    const before = await createFilesystemObjectStore({
      root,
      publicBaseUrl: origin,
      signingKey: key,
      clock: () => now,
    });
    const url = before.presignGet('signed', { expiresInSeconds: 60 });
    expect((await get(url)).status).toBe(403); // the running server has another key

    const after = await createFilesystemObjectStore({
      root,
      publicBaseUrl: origin,
      signingKey: key,
      clock: () => now,
    });
    const restarted = createServer((req, res) => void after.handler(req, res));
    await new Promise<void>((resolve) => restarted.listen(0, '127.0.0.1', resolve));
    try {
      const port = (restarted.address() as AddressInfo).port;
      const res = await rawRequest(`http://127.0.0.1:${port}`, 'GET', pathOf(url));
      expect(res.status).toBe(200);
      expect(res.body.toString()).toBe('secret bytes');
    } finally {
      await new Promise((resolve) => restarted.close(resolve));
    }
  });
});

describe('routing and hostile input', () => {
  it('leaves paths outside the mount to the gateway', async () => {
    for (const path of ['/flows', '/object-storex/a', '/', '/objects/a']) {
      expect((await rawRequest(origin, 'GET', path)).status).toBe(418);
    }
  });

  it('405 with Allow for other methods', async () => {
    for (const method of ['DELETE', 'POST', 'PATCH']) {
      const res = await rawRequest(origin, method, '/object-store/x');
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('GET, HEAD, PUT');
    }
  });

  it('404 for a missing object with a valid URL', async () => {
    const res = await get(store.presignGet('never/written', { expiresInSeconds: 60 }));
    expect(res.status).toBe(404);
    expect(errorType(res.body)).toBe('OBJECT_NOT_FOUND');
  });

  it.each([
    ['/object-store/..%2F..%2Fetc%2Fpasswd', 400],
    ['/object-store/%2e%2e', 400],
    ['/object-store/%2E', 400],
    ['/object-store/a%2F..%2Fb', 400],
    ['/object-store/', 400],
    ['/object-store', 400],
    ['/object-store/%00', 400],
    ['/object-store/%E0%A4%A', 400],
    ['/object-store/%ED%A0%80', 400], // an encoded lone surrogate is not UTF-8
    [`/object-store/${'x'.repeat(1025)}`, 414],
    [`/object-store/${'%C3%A9'.repeat(600)}`, 414],
    [`/object-store/${'x'.repeat(5000)}`, 414],
  ])('%s -> %d with a clear error, before any signature check', async (path, status) => {
    const res = await rawRequest(
      origin,
      'GET',
      `${path.slice(0, 60)}${path.slice(60)}?expires=1&signature=x`,
    );
    expect(res.status).toBe(status);
    expect(errorType(res.body)).toBe('INVALID_OBJECT_ID');
  });

  it('ids that look hostile but are valid stay inside the root', async () => {
    const ids = ['%2e%2e', '..%2F..%2Fetc%2Fpasswd', '...', '.hidden/..x', 'C:\\Windows\\system32', '~root'];
    for (const id of ids) {
      const url = store.presignPut(id, { expiresInSeconds: 60 }).url;
      expect((await put(url, Buffer.from(id))).status).toBe(201);
      expect((await get(store.presignGet(id, { expiresInSeconds: 60 }))).body.toString()).toBe(id);
    }
    expect((await readdir(root)).sort()).toEqual(['objects', 'tmp']);
    const files = await readdir(join(root, 'objects'), { recursive: true });
    expect(files.every((f) => /^[0-9a-f]{2}(\/[0-9a-f]{2}(\/[0-9a-f]{64}(\.json)?)?)?$/.test(f))).toBe(true);
  });
});

describe('generated ids through a URL client', () => {
  it('fetch (which normalises URLs) round-trips every valid id; the others are refused before any URL exists', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(validObjectIdArb, anyObjectIdArb), async (id) => {
        if (objectIdProblem(id) !== undefined) {
          expect(() => store.presignPut(id, { expiresInSeconds: 60 })).toThrow(
            expect.objectContaining({ code: 'INVALID_OBJECT_ID' }),
          );
          return;
        }
        await store.delete(id); // objects are immutable: an id another test uploaded would be a 409
        const body = Buffer.from(`bytes of ${id}`);
        const { url, headers } = store.presignPut(id, {
          contentType: 'video/mp2t',
          expiresInSeconds: 60,
        });
        const put = await fetch(url, { method: 'PUT', body, headers: { ...headers } });
        expect([put.status, await put.text()]).toEqual([201, '']);
        const got = await fetch(store.presignGet(id, { expiresInSeconds: 60 }));
        expect(got.status).toBe(200);
        expect(Buffer.from(await got.arrayBuffer()).equals(body)).toBe(true);
        await store.delete(id);
        expect(await store.exists(id)).toBe(false);
      }),
      { numRuns: 100, seed: 10 },
    );
  });
});

describe('size limit', () => {
  it('413 from a declared Content-Length, without reading the body', async () => {
    const url = store.presignPut('big', { expiresInSeconds: 60 }).url;
    const res = await put(url, Buffer.alloc(MAX + 1));
    expect(res.status).toBe(413);
    expect(errorType(res.body)).toBe('OBJECT_TOO_LARGE');
    expect(await store.exists('big')).toBe(false);
  });

  it('413 once a chunked body passes the limit, leaving no temporary file', async () => {
    const url = store.presignPut('big', { expiresInSeconds: 60 }).url;
    const chunks = Array.from({ length: 5 }, () => Buffer.alloc(MAX / 4));
    const res = await rawRequest(origin, 'PUT', pathOf(url), { body: chunks });
    expect(res.status).toBe(413);
    expect(await store.exists('big')).toBe(false);
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
  });

  it('accepts exactly the limit', async () => {
    const url = store.presignPut('max', { expiresInSeconds: 60 }).url;
    expect((await put(url, Buffer.alloc(MAX))).status).toBe(201);
  });
});
