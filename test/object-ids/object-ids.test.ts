import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/logger.js';
import type { RunningService } from '../../gateway/service.js';
import { startService } from '../../gateway/service.js';
import { loadConfig } from '../../lib/config/config.js';
import { objectIdProblem } from '../../lib/objects/index.js';
import { eventually } from '../../lib/test-support/eventually.js';
import { anyObjectIdArb, validObjectIdArb } from '../../lib/objects/test-support/object-id-arbitraries.js';
import type { RunningS3rver } from '../../lib/objects/test-support/s3rver.js';
import { S3RVER_CREDENTIALS, s3rverCanStore, startS3rver } from '../../lib/objects/test-support/s3rver.js';
import { dumpStore, storeChanges } from '../support/store-dump.js';

/**
 * Client-chosen object ids (7.0 `POST /flows/{id}/storage` with `object_ids`) through the REST API, on
 * both object stores: a valid id makes the whole trip (allocate, upload through the signed URL, register
 * a segment, find it by id, download the bytes, delete, bytes collected); any other id is a 400
 * `INVALID_OBJECT_ID` that leaves the store exactly as it was, so a retry answers the same.
 */

const ISSUE_IDS = ['.', '..', 'a/.', 'c/./d'];
const AWKWARD_VALID_IDS = ['bucket/9d1c7c4e-0f1a-4b7e-9a55-2d8f0f3b1c11', '%2e%2e', '...', 'ünï 😀/+%?#&=;'];

interface Store {
  readonly service: RunningService;
  readonly dir: string;
  readonly flowId: string;
  /** Ids allocated so far: a second allocation of one is OBJECT_EXISTS, as it should be. */
  readonly used: Set<string>;
  /** Objects registered by round trips, with a presigned GET URL of each. */
  readonly registered: { id: string; getUrl: string }[];
  next: number;
}

const send = (store: Store, method: string, path: string, body?: unknown) =>
  fetch(`${store.service.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

async function openStore(env: Record<string, string>): Promise<Store> {
  const dir = mkdtempSync(join(tmpdir(), 'tams-object-ids-'));
  const service = await startService(
    loadConfig({ TAMS_DATA_DIR: dir, TAMS_PORT: '0', TAMS_AUTH: 'off', ...env }),
    'embedded',
    { log: createLogger('silent'), version: 'test' },
  );
  const flowId = randomUUID();
  const store: Store = { service, dir, flowId, used: new Set(), registered: [], next: 0 };
  const put = await send(store, 'PUT', `/flows/${flowId}`, {
    id: flowId,
    source_id: randomUUID(),
    format: 'urn:x-nmos:format:data',
    codec: 'application/octet-stream',
    container: 'application/octet-stream',
    essence_parameters: {},
  });
  expect(put.status, await put.text()).toBe(201);
  return store;
}

async function closeStore(store: Store | undefined) {
  await store?.service.close();
  if (store) rmSync(store.dir, { recursive: true, force: true });
}

/** The whole life of an object with a valid id, checked step by step. */
async function roundTrip(store: Store, id: string): Promise<void> {
  store.used.add(id);
  const allocated = await send(store, 'POST', `/flows/${store.flowId}/storage`, { object_ids: [id] });
  expect(allocated.status, await allocated.clone().text()).toBe(201);
  const [object] = (
    (await allocated.json()) as {
      media_objects: { object_id: string; put_url: { url: string; 'content-type': string } }[];
    }
  ).media_objects;
  expect(object!.object_id).toBe(id);

  const bytes = Buffer.from(`bytes of ${JSON.stringify(id)}`);
  const upload = await fetch(object!.put_url.url, {
    method: 'PUT',
    headers: { 'content-type': object!.put_url['content-type'] },
    body: bytes,
  });
  expect(upload.status, await upload.text()).toBeLessThan(300);

  const second = store.next++;
  const timerange = `[${second}:0_${second + 1}:0)`;
  const registered = await send(store, 'POST', `/flows/${store.flowId}/segments`, {
    object_id: id,
    timerange,
  });
  expect(registered.status, await registered.text()).toBe(201);

  const q = `object_id=${encodeURIComponent(id)}`;
  const listed = (await (await send(store, 'GET', `/flows/${store.flowId}/segments?${q}`)).json()) as {
    object_id: string;
    timerange: string;
    get_urls: { url: string }[];
  }[];
  expect(listed.map((s) => [s.object_id, s.timerange])).toEqual([[id, timerange]]);
  const got = await fetch(listed[0]!.get_urls[0]!.url);
  expect(got.status).toBe(200);
  expect(Buffer.from(await got.arrayBuffer()).equals(bytes)).toBe(true);

  const described = await send(store, 'GET', `/objects/${encodeURIComponent(id)}`);
  expect(((await described.json()) as { id: string }).id).toBe(id);
  store.registered.push({ id, getUrl: listed[0]!.get_urls[0]!.url });
}

/**
 * Deletes the segments of every object registered so far, by object id, and waits for the deletion
 * worker to collect their bytes. Done after the uploads rather than between them: s3rver removes empty
 * directories after a delete without a lock, which races with an upload into the same directory.
 */
async function deleteRegistered(store: Store): Promise<void> {
  for (const { id } of store.registered) {
    const q = `object_id=${encodeURIComponent(id)}`;
    expect((await send(store, 'DELETE', `/flows/${store.flowId}/segments?${q}`)).status).toBe(204);
    expect(await (await send(store, 'GET', `/flows/${store.flowId}/segments?${q}`)).json()).toEqual([]);
  }
  const urls = store.registered.splice(0).map((r) => r.getUrl);
  await eventually(
    async () => (await Promise.all(urls.map((u) => fetch(u)))).every((r) => r.status === 404),
    'the bytes of deleted objects to be collected',
  );
}

/**
 * A refused id: 400 INVALID_OBJECT_ID, the same on a retry, and nothing stored by either. An id with a
 * lone surrogate is refused sooner, as a body that is not text (BadRequest; gateway/http/strict-text.ts).
 */
async function refused(store: Store, id: string): Promise<void> {
  const hasLoneSurrogate = Buffer.from(id, 'utf8').toString('utf8') !== id;
  const type = hasLoneSurrogate ? 'BAD_REQUEST' : 'INVALID_OBJECT_ID';
  const before = await dumpStore(store.dir);
  for (let attempt = 0; attempt < 2; attempt++) {
    const r = await send(store, 'POST', `/flows/${store.flowId}/storage`, { object_ids: [id] });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { type: string }).type).toBe(type);
    const segment = await send(store, 'POST', `/flows/${store.flowId}/segments`, {
      object_id: id,
      timerange: '[1000:0_1001:0)',
      get_urls: [{ url: 'https://media.example/elsewhere' }],
    });
    expect(segment.status).toBe(400);
    expect(((await segment.json()) as { type: string }).type).toBe(type);
  }
  expect(storeChanges(before, await dumpStore(store.dir))).toEqual([]);
}

const check = (store: () => Store, canStore: (id: string) => boolean) => async (id: string) => {
  if (objectIdProblem(id) !== undefined) return refused(store(), id);
  // An id takes its trip once per store (fast-check may generate it again, or replay it when shrinking).
  if (canStore(id) && !store().used.has(id)) return roundTrip(store(), id);
};

describe('object ids on the filesystem store', () => {
  let store: Store | undefined;
  beforeAll(async () => {
    store = await openStore({});
  });
  afterAll(() => closeStore(store));

  it.each(ISSUE_IDS)('refuses %j with a 400 that leaves nothing behind', (id) => refused(store!, id));
  it.each(AWKWARD_VALID_IDS)('takes %j all the way', (id) => roundTrip(store!, id));

  it('takes every valid generated id all the way and refuses the others, leaving nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(validObjectIdArb, anyObjectIdArb),
        check(
          () => store!,
          () => true,
        ),
      ),
      {
        numRuns: 40,
        seed: 10,
      },
    );
  });

  it('deletes those objects by id, and their bytes are collected', () => deleteRegistered(store!));
});

describe('object ids on S3 (s3rver), with a key prefix', () => {
  let s3: RunningS3rver | undefined;
  let store: Store | undefined;
  const credentials = {
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY,
  };
  beforeAll(async () => {
    s3 = await startS3rver();
    // The SDK's default chain reads these; this file runs in its own worker.
    process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
    store = await openStore({
      TAMS_S3_BUCKET: 'tams-object-ids',
      TAMS_S3_ENDPOINT: s3.endpoint,
      TAMS_S3_CREATE_BUCKET: 'true',
      TAMS_S3_PREFIX: 'media/',
    });
  });
  afterAll(async () => {
    await closeStore(store);
    await s3?.close();
    for (const [name, value] of Object.entries(credentials))
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
  });

  it.each(ISSUE_IDS)('refuses %j with a 400 that leaves nothing behind', (id) => refused(store!, id));
  it.each(AWKWARD_VALID_IDS)('takes %j all the way', (id) => roundTrip(store!, id));

  it('takes every valid generated id all the way and refuses the others, leaving nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(validObjectIdArb, anyObjectIdArb),
        check(
          () => store!,
          (id) => s3rverCanStore(`media/${id}`),
        ),
      ),
      {
        numRuns: 40,
        seed: 10,
      },
    );
  });

  it('deletes those objects by id, and their bytes are collected', () => deleteRegistered(store!));

  it('an id the backend cannot take (the prefix leaves it too few bytes) fails whole, and a retry too', async () => {
    // Valid anywhere (1024 bytes, segments of 254), but media/ + 1024 bytes is past S3's 1024-byte keys.
    const id = `${'x'.repeat(254)}/`.repeat(4) + 'xxxx';
    expect(objectIdProblem(id)).toBeUndefined();
    const before = await dumpStore(store!.dir);
    for (let attempt = 0; attempt < 2; attempt++) {
      const r = await send(store!, 'POST', `/flows/${store!.flowId}/storage`, { object_ids: [id] });
      expect(r.status).toBe(400);
      expect((await r.json()) as object).toMatchObject({
        type: 'INVALID_OBJECT_ID',
        summary: expect.stringMatching(/longer than 1018 bytes/) as unknown,
      });
    }
    expect(storeChanges(before, await dumpStore(store!.dir))).toEqual([]);
  });
});
