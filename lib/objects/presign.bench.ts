/**
 * Presigning cost, in the same process: `npx tsx lib/objects/presign.bench.ts`. Not part of `npm test`
 * (vitest only collects *.test.ts), and no test times presigning: elapsed time on a shared machine says
 * more about the machine than about the code. Each round signs the same 1,000 GET URLs (TAMS-style
 * `bucket/uuid` object ids) four ways: the S3 store's presignGet (id validation, the credentials check,
 * SigV4), the SDK's `getSignedUrl`, the filesystem store's presignGet (id validation, one HMAC), and the
 * baseline, one bare HMAC-SHA256 per URL over the same fields (the least any signed URL can cost). Rounds
 * are interleaved so that all see the same machine state, and the URLs of each round are compared with
 * the SDK's, so the bench also proves what it measures.
 *
 * Results are reported as ratios of medians, which survive a busy machine far better than milliseconds.
 * Targets: filesystem / HMAC baseline <= 4 (presigning a segment listing stays a small multiple of the
 * cryptography it cannot avoid) and SDK / S3 store >= 5 (our SigV4 presigner is what keeps S3 listings
 * cheap). Exit code 1 when a target is missed.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFilesystemObjectStore } from './filesystem-store.js';
import { createS3ObjectStore } from './s3-store.js';

const URLS = 1000;
const ROUNDS = 9;
const EXPIRES = 3600;
const TARGET_FILESYSTEM_OVER_BASELINE = 4;
const TARGET_SDK_OVER_OURS = 5;
const config = { region: 'eu-west-2', bucket: 'tams-media', forcePathStyle: false };
const credentials = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

const now = Date.now();
const ids = Array.from({ length: URLS }, () => `${randomUUID()}/${randomUUID()}`);
const store = await createS3ObjectStore({ ...config, credentials, clock: () => now });
const sdk = new S3Client({
  region: config.region,
  forcePathStyle: config.forcePathStyle,
  credentials,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
const fsRoot = await mkdtemp(join(tmpdir(), 'tams-presign-bench-'));
const signingKey = randomBytes(32);
const fsStore = await createFilesystemObjectStore({
  root: fsRoot,
  publicBaseUrl: 'https://tams.example.com',
  signingKey,
});

function ours(): string[] {
  return ids.map((id) => store.presignGet(id, { expiresInSeconds: EXPIRES }));
}
async function theirs(): Promise<string[]> {
  const signingDate = new Date(now);
  const out: string[] = [];
  for (const id of ids) {
    out.push(
      await getSignedUrl(sdk, new GetObjectCommand({ Bucket: config.bucket, Key: id }), {
        expiresIn: EXPIRES,
        signingDate,
      }),
    );
  }
  return out;
}
function filesystem(): string[] {
  return ids.map((id) => fsStore.presignGet(id, { expiresInSeconds: EXPIRES }));
}
/** The baseline: one HMAC-SHA256 per URL over the fields a filesystem URL signs, and nothing else. */
function baseline(): string[] {
  const expires = Math.floor(now / 1000) + EXPIRES;
  return ids.map((id) =>
    createHmac('sha256', signingKey).update(`GET\n${expires}\n-\n${id}`).digest('base64url'),
  );
}

async function time<T>(f: () => T | Promise<T>): Promise<[number, T]> {
  const start = process.hrtime.bigint();
  const result = await f();
  return [Number(process.hrtime.bigint() - start) / 1e6, result];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const samples = {
  ours: [] as number[],
  sdk: [] as number[],
  filesystem: [] as number[],
  baseline: [] as number[],
};

// Round 0 warms up both (JIT, the SDK's endpoint and credential caches) and is not counted.
for (let round = 0; round <= ROUNDS; round++) {
  const [oursMs, oursUrls] = await time(ours);
  const [sdkMs, sdkUrls] = await time(theirs);
  const [fsMs] = await time(filesystem);
  const [baseMs] = await time(baseline);
  const mismatch = oursUrls.findIndex((u, i) => u !== sdkUrls[i]);
  if (mismatch !== -1)
    throw new Error(`URL ${mismatch} differs from the SDK's:\n${oursUrls[mismatch]}\n${sdkUrls[mismatch]}`);
  if (round === 0) continue;
  samples.ours.push(oursMs);
  samples.sdk.push(sdkMs);
  samples.filesystem.push(fsMs);
  samples.baseline.push(baseMs);
}

const fmt = (ms: number) => ms.toFixed(2).padStart(7);
const row = (name: string, xs: number[]) =>
  console.log(
    `${name.padEnd(34)} median ${fmt(median(xs))}  min ${fmt(Math.min(...xs))}  max ${fmt(Math.max(...xs))}`,
  );
console.log(
  `ms per ${URLS} GET URLs, ${ROUNDS} interleaved rounds (node ${process.version}), URLs identical in every round`,
);
row('SigV4Presigner (S3 store presignGet)', samples.ours);
row('SDK getSignedUrl', samples.sdk);
row('filesystem store presignGet (HMAC)', samples.filesystem);
row('baseline: one bare HMAC-SHA256', samples.baseline);

const ratios = {
  sdkOverOurs: median(samples.sdk) / median(samples.ours),
  filesystemOverBaseline: median(samples.filesystem) / median(samples.baseline),
  oursOverBaseline: median(samples.ours) / median(samples.baseline),
};
const targets: [string, number, boolean][] = [
  [
    `SDK / S3 store (>= ${TARGET_SDK_OVER_OURS})`,
    ratios.sdkOverOurs,
    ratios.sdkOverOurs >= TARGET_SDK_OVER_OURS,
  ],
  [
    `filesystem / baseline (<= ${TARGET_FILESYSTEM_OVER_BASELINE})`,
    ratios.filesystemOverBaseline,
    ratios.filesystemOverBaseline <= TARGET_FILESYSTEM_OVER_BASELINE,
  ],
  ['S3 store / baseline', ratios.oursOverBaseline, true],
];
for (const [name, ratio, ok] of targets)
  console.log(`${name.padEnd(34)} ${ratio.toFixed(1).padStart(6)}x${ok ? '' : '  MISSED'}`);
console.log(JSON.stringify({ urls: URLS, rounds: ROUNDS, node: process.version, ratios }));

await store.close();
await fsStore.close();
await rm(fsRoot, { recursive: true, force: true });
sdk.destroy();
process.exitCode = targets.every(([, , ok]) => ok) ? 0 : 1;
