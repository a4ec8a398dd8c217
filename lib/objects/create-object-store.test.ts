import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createObjectStore } from './index.js';
import { S3RVER_CREDENTIALS, startS3rver } from './test-support/s3rver.js';
import type { RunningS3rver } from './test-support/s3rver.js';

let dir: string;
let s3: RunningS3rver;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tams-create-'));
  s3 = await startS3rver();
});
afterAll(async () => {
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('createObjectStore', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('filesystem: creates the signing key once and exposes the handler', async () => {
    const config = {
      kind: 'filesystem',
      root: join(dir, 'objects'),
      publicBaseUrl: 'http://localhost:4000',
      signingKeyPath: join(dir, 'keys', 'object-url.key'),
    } as const;
    // One instant for both signatures: a second boundary between them would change the signed expiry.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-01T12:00:00.000Z'));
    const store = await createObjectStore(config);
    expect(store.kind).toBe('filesystem');
    expect(store.mountPath).toBe('/object-store');
    expect(typeof store.handler).toBe('function');
    expect((await stat(config.signingKeyPath)).mode & 0o777).toBe(0o600);
    const url = store.presignGet('x', { expiresInSeconds: 60 });
    await store.close();

    // Same key after a restart: the same URL for the same id, clock and expiry.
    const again = await createObjectStore(config);
    expect(again.presignGet('x', { expiresInSeconds: 60 }).replace(/expires=\d+/, '')).toBe(
      url.replace(/expires=\d+/, ''),
    );
    await again.close();
  });

  it('s3: credentials from the environment through the SDK chain; creates the bucket on request', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', S3RVER_CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', S3RVER_CREDENTIALS.secretAccessKey);
    try {
      const store = await createObjectStore({
        kind: 's3',
        endpoint: s3.endpoint,
        region: 'us-east-1',
        bucket: 'created',
        forcePathStyle: true,
        prefix: 'tams/',
        createBucket: true,
      });
      try {
        expect(store.kind).toBe('s3');
        const body = randomBytes(100);
        await store.put('a/b', body);
        const res = await fetch(store.presignGet('a/b', { expiresInSeconds: 60 }));
        expect(Buffer.from(await res.arrayBuffer()).equals(body)).toBe(true);
        expect(new URL(store.presignGet('a/b', { expiresInSeconds: 60 })).pathname).toBe('/created/tams/a/b');
      } finally {
        await store.close();
      }
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
