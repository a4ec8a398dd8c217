import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectStoreError } from './errors.js';
import { objectIdProblem } from './object-id.js';
import { anyObjectIdArb, validObjectIdArb } from './test-support/object-id-arbitraries.js';
import { createS3ObjectStore } from './s3-store.js';
import type { S3ObjectStore, S3ObjectStoreOptions } from './s3-store.js';
import { S3RVER_CREDENTIALS, s3rverCanStore, startS3rver } from './test-support/s3rver.js';
import type { RunningS3rver } from './test-support/s3rver.js';

/**
 * Integration against an in-process s3rver. s3rver checks a presigned URL's access key and expiry but
 * does NOT verify SigV4 signatures (see the last test), so these tests prove the URLs' shape, keys and
 * expiry handling; that the signatures are right is proven by byte-identity with the SDK's presigner
 * (sigv4-presigner.test.ts and the store-level comparison below).
 */
let s3: RunningS3rver;
let store: S3ObjectStore;
const BUCKET = 'tams-test';
/** The options of `store`: the s3rver bucket, keys under `media/`. */
const storeOptions = (): S3ObjectStoreOptions => ({
  endpoint: s3.endpoint,
  region: 'us-east-1',
  bucket: BUCKET,
  forcePathStyle: true,
  prefix: 'media/',
  credentials: S3RVER_CREDENTIALS,
});

beforeAll(async () => {
  s3 = await startS3rver();
  store = await createS3ObjectStore(storeOptions());
  await store.ensureBucket();
  await store.ensureBucket(); // idempotent
});
afterAll(async () => {
  await store?.close();
  await s3?.close();
});

const AWKWARD_IDS = [
  'plain-object',
  'bucket/9d1c7c4e-0f1a-4b7e-9a55-2d8f0f3b1c11',
  'with space/and+plus',
  'per%cent/%2F/%25',
  'ünï/cödé/😀',
  "sub!delims*'()",
  'amp&eq=semi;colon:at@',
  ' padded /segments. /.. x',
  '...three-dots/.hidden',
];

describe('S3 object store on s3rver', () => {
  it.each(AWKWARD_IDS)(
    'uploads through a presigned PUT and downloads through a presigned GET: %j',
    async (id) => {
      const body = randomBytes(1024 + id.length);
      const put = store.presignPut(id, { contentType: 'video/mp2t', expiresInSeconds: 300 });
      expect(put.headers).toEqual({ 'content-type': 'video/mp2t' });
      const uploaded = await fetch(put.url, { method: 'PUT', headers: put.headers, body });
      expect(uploaded.status).toBe(200);

      const got = await fetch(store.presignGet(id, { expiresInSeconds: 300 }));
      expect(got.status).toBe(200);
      expect(got.headers.get('content-type')).toBe('video/mp2t');
      expect(Buffer.from(await got.arrayBuffer()).equals(body)).toBe(true);

      // The key is prefix + id, byte for byte.
      expect(await store.get(id)).toEqual(body);
      expect(await store.exists(id)).toBe(true);
    },
  );

  it('exists, size (a HEAD), get and delete; deleting a missing object is not an error', async () => {
    const id = 'delete/me';
    expect(await store.exists(id)).toBe(false);
    expect(await store.get(id)).toBeNull();
    expect(await store.size(id)).toBeNull();
    await store.put(id, Buffer.from('bytes'), 'text/plain');
    expect(await store.exists(id)).toBe(true);
    expect(await store.size(id)).toBe(5);
    expect((await store.get(id))?.toString()).toBe('bytes');
    await store.delete(id);
    expect(await store.exists(id)).toBe(false);
    expect(await store.size(id)).toBeNull();
    expect(await store.get(id)).toBeNull();
    await store.delete(id);
  });

  it('stores an empty object', async () => {
    await store.put('empty', Buffer.alloc(0));
    expect(await store.get('empty')).toEqual(Buffer.alloc(0));
  });

  it('produces exactly the URLs of getSignedUrl for the same credentials, clock and key', async () => {
    const now = Date.UTC(2030, 6, 1, 12, 0, 0, 250);
    const fixed = await createS3ObjectStore({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      bucket: BUCKET,
      forcePathStyle: true,
      prefix: 'media/',
      credentials: { ...S3RVER_CREDENTIALS, sessionToken: 'session/token+=' },
      clock: () => now,
    });
    const sdk = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { ...S3RVER_CREDENTIALS, sessionToken: 'session/token+=' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    try {
      for (const id of AWKWARD_IDS) {
        const options = { expiresIn: 900, signingDate: new Date(now) };
        const input = { Bucket: BUCKET, Key: `media/${id}` };
        expect(fixed.presignGet(id, { expiresInSeconds: 900 })).toBe(
          await getSignedUrl(sdk, new GetObjectCommand(input), options),
        );
        expect(fixed.presignPut(id, { contentType: 'video/mp2t', expiresInSeconds: 900 }).url).toBe(
          await getSignedUrl(sdk, new PutObjectCommand({ ...input, ContentType: 'video/mp2t' }), options),
        );
      }
    } finally {
      sdk.destroy();
      await fixed.close();
    }
  });

  it('round-trips every valid id through presigned URLs, and refuses the others before any request', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(validObjectIdArb, anyObjectIdArb), async (generated) => {
        const id = `fc/${generated}`;
        if (objectIdProblem(id, 1024 - 'media/'.length) !== undefined) {
          expect(() => store.presignPut(id, { expiresInSeconds: 60 })).toThrow(
            expect.objectContaining({ code: 'INVALID_OBJECT_ID' }),
          );
          return;
        }
        if (!s3rverCanStore(`media/${id}`)) return;
        const body = Buffer.from(`bytes of ${id}`);
        const put = store.presignPut(id, { expiresInSeconds: 60 });
        expect((await fetch(put.url, { method: 'PUT', body })).status).toBe(200);
        const got = await fetch(store.presignGet(id, { expiresInSeconds: 60 }));
        expect(Buffer.from(await got.arrayBuffer()).equals(body)).toBe(true);
        await store.delete(id);
        expect(await store.exists(id)).toBe(false);
      }),
      { numRuns: 60, seed: 10 },
    );
  });

  it('rejects ids and arguments no URL can carry, before any request', () => {
    expect(() => store.presignGet('a/../b', { expiresInSeconds: 60 })).toThrow(ObjectStoreError);
    expect(() => store.presignGet('x'.repeat(1024), { expiresInSeconds: 60 })).toThrow(
      /longer than 1018 bytes/,
    );
    expect(() => store.presignGet('ok', { expiresInSeconds: 604_801 })).toThrow(/1 to 604800/);
    expect(() => store.presignPut('ok', { contentType: 'a\r\nb', expiresInSeconds: 60 })).toThrow(
      /header value/,
    );
  });
});

describe('public endpoint', () => {
  it('presigns for the address clients use while the store talks to another', async () => {
    const port = new URL(s3.endpoint).port;
    const split = await createS3ObjectStore({
      endpoint: s3.endpoint,
      publicEndpoint: `http://localhost:${port}`,
      region: 'us-east-1',
      bucket: BUCKET,
      forcePathStyle: true,
      credentials: S3RVER_CREDENTIALS,
    });
    try {
      await split.put('public', Buffer.from('via localhost'));
      const url = split.presignGet('public', { expiresInSeconds: 60 });
      expect(url.startsWith(`http://localhost:${port}/${BUCKET}/public?`)).toBe(true);
      expect(await (await fetch(url)).text()).toBe('via localhost');
    } finally {
      await split.close();
    }
  });
});

describe('expiry, with the SDK signer semantics', () => {
  it('a URL is dated by the clock and valid for X-Amz-Expires seconds; s3rver enforces that', async () => {
    await store.put('expiry', Buffer.from('x'));
    const realNow = Date.now();
    // Signed two hours ago for one hour: expired an hour ago.
    const past = await createS3ObjectStore({ ...storeOptions(), clock: () => realNow - 2 * 3600_000 });
    try {
      const expired = past.presignGet('expiry', { expiresInSeconds: 3600 });
      const params = new URL(expired).searchParams;
      expect(params.get('X-Amz-Date')).toBe(
        new Date(realNow - 2 * 3600_000)
          .toISOString()
          .replace(/\.\d{3}/, '')
          .replace(/[-:]/g, ''),
      );
      expect(params.get('X-Amz-Expires')).toBe('3600');
      const refused = await fetch(expired);
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain('Request has expired');

      // Signed two hours ago for three hours: still valid.
      expect((await fetch(past.presignGet('expiry', { expiresInSeconds: 3 * 3600 }))).status).toBe(200);
    } finally {
      await past.close();
    }
  });

  it('refuses lifetimes over 7 days, as the SDK does', async () => {
    const sdk = new S3Client({
      region: 'us-east-1',
      credentials: S3RVER_CREDENTIALS,
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    try {
      await expect(
        getSignedUrl(sdk, new GetObjectCommand({ Bucket: BUCKET, Key: 'k' }), { expiresIn: 604_801 }),
      ).rejects.toThrow(/one week/);
      expect(() => store.presignGet('k', { expiresInSeconds: 604_801 })).toThrow(/INVALID_ARGUMENT|7 days/);
      expect(() => store.presignGet('k', { expiresInSeconds: 604_800 })).not.toThrow();
    } finally {
      sdk.destroy();
    }
  });

  it('(s3rver limitation, not a property of our URLs) s3rver accepts a tampered signature', async () => {
    await store.put('tamper', Buffer.from('x'));
    const url = store.presignGet('tamper', { expiresInSeconds: 60 });
    const tampered = url.replace(/X-Amz-Signature=[0-9a-f]{4}/, 'X-Amz-Signature=0000');
    expect(tampered).not.toBe(url);
    // A real S3 or MinIO answers 403 SignatureDoesNotMatch here. s3rver does not implement SigV4
    // verification, so this test only documents why no test in this suite relies on it.
    expect((await fetch(tampered)).status).toBe(200);
  });
});

describe('errors', () => {
  it('maps an unreachable endpoint to OBJECT_STORE_UNAVAILABLE without credentials in the message', async () => {
    const secret = 'do-not-print-this-secret';
    const down = await createS3ObjectStore({
      endpoint: 'http://127.0.0.1:1',
      region: 'us-east-1',
      bucket: BUCKET,
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIDDOWN', secretAccessKey: secret },
    });
    try {
      const error = await down.exists('x').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ObjectStoreError);
      expect((error as ObjectStoreError).code).toBe('OBJECT_STORE_UNAVAILABLE');
      expect((error as ObjectStoreError).retryable).toBe(true);
      expect((error as Error).message).not.toContain(secret);
      expect((error as Error).message).not.toContain('AKIDDOWN');
    } finally {
      await down.close();
    }
  });

  it('maps an unknown access key to ACCESS_DENIED', async () => {
    const denied = await createS3ObjectStore({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      bucket: BUCKET,
      forcePathStyle: true,
      credentials: { accessKeyId: 'NOSUCHKEY', secretAccessKey: 'whatever' },
    });
    try {
      await expect(denied.put('x', Buffer.from('x'))).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    } finally {
      await denied.close();
    }
  });

  it('refuses an unusable prefix or bucket at creation', async () => {
    const base = {
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: S3RVER_CREDENTIALS,
    };
    await expect(createS3ObjectStore({ ...base, bucket: BUCKET, prefix: 'a/../' })).rejects.toMatchObject({
      code: 'MISCONFIGURED',
    });
    await expect(createS3ObjectStore({ ...base, bucket: '' })).rejects.toMatchObject({
      code: 'MISCONFIGURED',
    });
  });
});
