import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { S3UrlTemplate, SigV4Credentials } from './sigv4-presigner.js';
import { encodeS3Key, SigV4Presigner } from './sigv4-presigner.js';

/**
 * Our URLs must be byte-identical to the SDK's `getSignedUrl` for the same inputs. The SDK clients are
 * created as the store creates its own: checksums only when required, so that PutObject URLs sign `host`
 * alone (the default would sign a CRC32 of an empty body, which real S3 and MinIO reject).
 */
interface Variant {
  readonly name: string;
  readonly config: { region: string; endpoint?: string; forcePathStyle: boolean };
  readonly bucket: string;
  readonly template: S3UrlTemplate;
}

const VARIANTS: readonly Variant[] = [
  {
    name: 'AWS, virtual-hosted',
    config: { region: 'eu-west-2', forcePathStyle: false },
    bucket: 'media-bucket',
    template: t('https://media-bucket.s3.eu-west-2.amazonaws.com', '', 'eu-west-2'),
  },
  {
    name: 'AWS, path-style',
    config: { region: 'us-east-1', forcePathStyle: true },
    bucket: 'media-bucket',
    template: t('https://s3.us-east-1.amazonaws.com', '/media-bucket', 'us-east-1'),
  },
  {
    name: 'MinIO, path-style, port',
    config: { region: 'us-east-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true },
    bucket: 'tams',
    template: t('http://127.0.0.1:9000', '/tams', 'us-east-1'),
  },
  {
    name: 'VAST-like, virtual-hosted, port and base path',
    config: { region: 'vast-1', endpoint: 'https://s3.vast.example.com:8443/base', forcePathStyle: false },
    bucket: 'tams',
    template: t('https://tams.s3.vast.example.com:8443', '/base', 'vast-1'),
  },
];

function t(origin: string, basePath: string, region: string): S3UrlTemplate {
  return { origin, host: origin.replace(/^https?:\/\//, ''), basePath, region, service: 's3' };
}

const CREDENTIALS: readonly SigV4Credentials[] = [
  { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
  {
    accessKeyId: 'ASIAEXAMPLESESSION01',
    secretAccessKey: 'c2VjcmV0+/=',
    sessionToken: 'FwoGZXIvYXdzE+/=session token with spaces & symbols!*()',
  },
];

const clients = new Map<string, S3Client>();
function sdkClient(variant: Variant, credentials: SigV4Credentials): S3Client {
  const id = `${variant.name}|${credentials.accessKeyId}|${credentials.sessionToken ?? '(none)'}`;
  let client = clients.get(id);
  if (client === undefined) {
    client = new S3Client({
      ...variant.config,
      credentials,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    clients.set(id, client);
  }
  return client;
}
afterAll(() => clients.forEach((c) => c.destroy()));

async function sdkUrl(
  variant: Variant,
  credentials: SigV4Credentials,
  method: 'GET' | 'PUT',
  key: string,
  expiresIn: number,
  nowMs: number,
  contentType?: string,
): Promise<string> {
  const input = { Bucket: variant.bucket, Key: key };
  const command =
    method === 'GET'
      ? new GetObjectCommand(input)
      : new PutObjectCommand({ ...input, ContentType: contentType });
  return getSignedUrl(sdkClient(variant, credentials), command, { expiresIn, signingDate: new Date(nowMs) });
}

// Keys built from the characters most likely to be encoded differently, plus arbitrary Unicode.
const AWKWARD = [
  '/',
  ' ',
  '+',
  '%',
  '%2F',
  '~',
  '!',
  "'",
  '(',
  ')',
  '*',
  '?',
  '#',
  '&',
  '=',
  ':',
  '@',
  '.',
  '..',
];
const keyArb = fc
  .array(
    fc.oneof(fc.constantFrom(...AWKWARD, 'é', '😀', '\n', '\t'), fc.string({ unit: 'binary', maxLength: 4 })),
    {
      minLength: 1,
      maxLength: 12,
    },
  )
  .map((parts) => parts.join(''))
  .filter((k) => k.length > 0);
// 1970 to 2100, with milliseconds (which SigV4 drops).
const timeArb = fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) });
const expiresArb = fc.oneof(fc.constantFrom(1, 60, 3600, 604_800), fc.integer({ min: 1, max: 604_800 }));

describe('SigV4Presigner', () => {
  it.each(VARIANTS)('GET and PUT URLs are byte-identical to getSignedUrl ($name)', async (variant) => {
    const presigner = new SigV4Presigner(variant.template);
    await fc.assert(
      fc.asyncProperty(
        keyArb,
        timeArb,
        expiresArb,
        fc.constantFrom<'GET' | 'PUT'>('GET', 'PUT'),
        fc.constantFrom(...CREDENTIALS),
        fc.option(fc.constantFrom('video/mp2t', 'application/octet-stream', 'audio/mp4; codecs="mp4a.40.2"')),
        async (key, now, expiresIn, method, credentials, contentType) => {
          const ours = presigner.presign(method, key, expiresIn, now, credentials);
          const sdk = await sdkUrl(
            variant,
            credentials,
            method,
            key,
            expiresIn,
            now,
            contentType ?? undefined,
          );
          expect(ours).toBe(sdk);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('signs host only: a PutObject ContentType changes nothing in the SDK URL either', async () => {
    const [variant] = VARIANTS;
    const [credentials] = CREDENTIALS;
    const now = Date.UTC(2024, 4, 6, 7, 8, 9);
    const plain = await sdkUrl(variant!, credentials!, 'PUT', 'a/b', 300, now);
    const typed = await sdkUrl(variant!, credentials!, 'PUT', 'a/b', 300, now, 'video/mp2t');
    expect(typed).toBe(plain);
    expect(plain).toContain('X-Amz-SignedHeaders=host&x-id=PutObject');
    expect(plain).not.toMatch(/checksum/i);
    expect(new SigV4Presigner(variant!.template).presign('PUT', 'a/b', 300, now, credentials!)).toBe(plain);
  });

  it('reproduces a URL recorded from getSignedUrl (regression)', () => {
    const presigner = new SigV4Presigner(t('http://127.0.0.1:9000', '/my-bucket', 'eu-west-2'));
    const credentials = { accessKeyId: 'AKID', secretAccessKey: 'SECRET', sessionToken: 'TOK/+=' };
    const url = presigner.presign(
      'GET',
      "a/b c+d%e/ü~!*'()",
      300,
      Date.parse('2024-05-06T07:08:09.123Z'),
      credentials,
    );
    expect(url).toBe(
      'http://127.0.0.1:9000/my-bucket/a/b%20c%2Bd%25e/%C3%BC~%21%2A%27%28%29?X-Amz-Algorithm=AWS4-HMAC-SHA256' +
        '&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD&X-Amz-Credential=AKID%2F20240506%2Feu-west-2%2Fs3%2Faws4_request' +
        '&X-Amz-Date=20240506T070809Z&X-Amz-Expires=300&X-Amz-Security-Token=TOK%2F%2B%3D' +
        '&X-Amz-Signature=211ff41e742672bf4eb9cbf58f0e6eb8f8f7ac0fbeb3cffce1093991bdf553e9' +
        '&X-Amz-SignedHeaders=host&x-id=GetObject',
    );
  });

  it('reuses its caches correctly across days, secrets, tokens and expiries', async () => {
    const [variant] = VARIANTS;
    const presigner = new SigV4Presigner(variant!.template);
    const day = 86_400_000;
    const base = Date.UTC(2025, 0, 1, 23, 59, 59);
    // Interleaved so that every cache sees its key change between consecutive calls.
    for (const now of [base, base + 1000, base, base + day, base + 2 * day + 500]) {
      for (const credentials of [CREDENTIALS[0]!, CREDENTIALS[1]!, CREDENTIALS[0]!]) {
        for (const expiresIn of [60, 61]) {
          const ours = presigner.presign('GET', 'k', expiresIn, now, credentials);
          expect(ours).toBe(await sdkUrl(variant!, credentials, 'GET', 'k', expiresIn, now));
        }
      }
    }
  });

  it('leaves an empty session token out, as the SDK does', async () => {
    const [variant] = VARIANTS;
    const credentials = { ...CREDENTIALS[0]!, sessionToken: '' };
    const now = Date.UTC(2024, 0, 1);
    const ours = new SigV4Presigner(variant!.template).presign('GET', 'k', 60, now, credentials);
    expect(ours).not.toContain('X-Amz-Security-Token');
    expect(ours).toBe(await sdkUrl(variant!, credentials, 'GET', 'k', 60, now));
  });
});

describe('encodeS3Key', () => {
  it.each([
    ['plain/key-1_2.3~', 'plain/key-1_2.3~'],
    ['a b+c', 'a%20b%2Bc'],
    ['100%/x', '100%25/x'],
    ['%2F', '%252F'],
    ["!'()*", '%21%27%28%29%2A'],
    ['ü/😀', '%C3%BC/%F0%9F%98%80'],
    ['/lead//double/', '/lead//double/'],
  ])('%j -> %j', (key, encoded) => {
    expect(encodeS3Key(key)).toBe(encoded);
  });
});
