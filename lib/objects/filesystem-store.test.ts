import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectStoreError } from './errors.js';
import { createFilesystemObjectStore } from './filesystem-store.js';
import type { FilesystemObjectStore } from './filesystem-store.js';
import { objectIdProblem } from './object-id.js';

let root: string;
let store: FilesystemObjectStore;
const NOW = Date.UTC(2030, 0, 1, 0, 0, 0, 999);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tams-fs-store-'));
  store = await createFilesystemObjectStore({
    root,
    publicBaseUrl: 'https://tams.example.com/',
    signingKey: randomBytes(32),
    clock: () => NOW,
  });
});
afterAll(async () => {
  await store.close();
  await rm(root, { recursive: true, force: true });
});

describe('filesystem store, server side', () => {
  it('put, get, exists, delete; deleting a missing object is not an error', async () => {
    expect(await store.exists('a/b')).toBe(false);
    expect(await store.get('a/b')).toBeNull();
    expect(await store.size('a/b')).toBeNull();
    await store.put('a/b', Buffer.from('bytes'), 'text/plain');
    expect(await store.exists('a/b')).toBe(true);
    expect(await store.size('a/b')).toBe(5);
    expect((await store.get('a/b'))?.toString()).toBe('bytes');
    await store.delete('a/b');
    expect(await store.exists('a/b')).toBe(false);
    await store.delete('a/b');
  });

  it('keeps the original id and content type in the sidecar', async () => {
    await store.put('ünï/cödé 😀', Buffer.from('x'), 'video/mp2t');
    const files = (await readdir(join(root, 'objects'), { recursive: true })).filter((f) =>
      f.endsWith('.json'),
    );
    const sidecars = await Promise.all(
      files.map(async (f) => JSON.parse(await readFile(join(root, 'objects', f), 'utf8')) as unknown),
    );
    expect(sidecars).toContainEqual({ id: 'ünï/cödé 😀', contentType: 'video/mp2t' });
  });

  it('round-trips any valid id', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .string({ unit: 'binary', minLength: 1, maxLength: 40 })
          .filter((id) => objectIdProblem(id) === undefined),
        async (id) => {
          await store.put(id, Buffer.from(id));
          expect((await store.get(id))?.toString()).toBe(id);
          await store.delete(id);
          expect(await store.exists(id)).toBe(false);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('removes temporary files a crash left behind more than a day ago, at start', async () => {
    const stale = join(root, 'tmp', 'stale');
    const fresh = join(root, 'tmp', 'fresh');
    await writeFile(stale, 'x');
    await writeFile(fresh, 'x');
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    await utimes(stale, twoDaysAgo, twoDaysAgo);
    const again = await createFilesystemObjectStore({
      root,
      publicBaseUrl: 'http://x',
      signingKey: randomBytes(32),
    });
    await again.close();
    expect(await readdir(join(root, 'tmp'))).toEqual(['fresh']);
    await rm(fresh);
  });
});

describe('filesystem store, presigning', () => {
  it('builds {publicBaseUrl}{mountPath}/{encodeURIComponent(id)}?expires=..&signature=..', () => {
    const url = store.presignGet('bucket/a b', { expiresInSeconds: 600 });
    const expires = Math.floor(NOW / 1000) + 600;
    expect(url).toMatch(
      new RegExp(
        `^https://tams\\.example\\.com/object-store/bucket%2Fa%20b\\?expires=${expires}&signature=[A-Za-z0-9_-]{43}$`,
      ),
    );
  });

  it('a PUT returns the content type as a header to send, and signs it', () => {
    const typed = store.presignPut('x', { contentType: 'video/mp2t', expiresInSeconds: 60 });
    const plain = store.presignPut('x', { expiresInSeconds: 60 });
    expect(typed.headers).toEqual({ 'content-type': 'video/mp2t' });
    expect(plain.headers).toBeUndefined();
    expect(typed.url).not.toBe(plain.url);
    expect(plain.url).not.toBe(store.presignGet('x', { expiresInSeconds: 60 }));
  });

  // What keeps a 1,000-segment listing cheap, checked without a clock: presigning is plain computation,
  // with no promise and no disk access (the cost itself is measured by presign.bench.ts).
  it('presigning is synchronous and touches no disk', async () => {
    const gone = await mkdtemp(join(tmpdir(), 'tams-fs-presign-'));
    const detached = await createFilesystemObjectStore({
      root: gone,
      publicBaseUrl: 'https://tams.example.com/',
      signingKey: randomBytes(32),
      clock: () => NOW,
    });
    await rm(gone, { recursive: true, force: true });
    try {
      const url: unknown = detached.presignGet('flow/segment-1', { expiresInSeconds: 3600 });
      const put: unknown = detached.presignPut('flow/segment-2', { expiresInSeconds: 3600 });
      expect(typeof url).toBe('string');
      expect(put).toEqual({ url: expect.any(String) as string });
      // Its directory is gone: an existence check or a write would have failed.
      expect(await readdir(tmpdir())).not.toContain(basename(gone));
    } finally {
      await detached.close();
    }
  });

  it.each([
    ['', 'INVALID_OBJECT_ID'],
    ['..', 'INVALID_OBJECT_ID'],
    ['../../etc/passwd', 'INVALID_OBJECT_ID'],
    ['a/./b', 'INVALID_OBJECT_ID'],
    ['nul\0byte', 'INVALID_OBJECT_ID'],
    ['lone\uD800', 'INVALID_OBJECT_ID'],
    ['x'.repeat(1025), 'INVALID_OBJECT_ID'],
  ])('refuses the id %j with %s', (id, code) => {
    expect(() => store.presignGet(id, { expiresInSeconds: 60 })).toThrow(expect.objectContaining({ code }));
    expect(() => store.presignPut(id, { expiresInSeconds: 60 })).toThrow(ObjectStoreError);
  });

  it.each([0, -1, 1.5, 604_801, Number.NaN])('refuses expiresInSeconds %d', (expiresInSeconds) => {
    expect(() => store.presignGet('x', { expiresInSeconds })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });

  it('refuses a content type that is not a header value', () => {
    for (const contentType of ['', 'a\nb', ' video/mp2t', 'vidéo/mp2t']) {
      expect(() => store.presignPut('x', { contentType, expiresInSeconds: 60 })).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
    }
  });

  it('refuses bad configuration with MISCONFIGURED or INVALID_SIGNING_KEY', async () => {
    const ok = { root, publicBaseUrl: 'http://x', signingKey: randomBytes(32) };
    for (const bad of [
      { ...ok, publicBaseUrl: 'ftp://x' },
      { ...ok, publicBaseUrl: 'http://x/?q=1' },
      { ...ok, publicBaseUrl: 'not a url' },
      { ...ok, mountPath: 'object-store' },
      { ...ok, mountPath: '/object-store/' },
      { ...ok, maxObjectBytes: -1 },
    ]) {
      await expect(createFilesystemObjectStore(bad)).rejects.toMatchObject({ code: 'MISCONFIGURED' });
    }
    await expect(createFilesystemObjectStore({ ...ok, signingKey: randomBytes(16) })).rejects.toMatchObject({
      code: 'INVALID_SIGNING_KEY',
    });
  });
});
