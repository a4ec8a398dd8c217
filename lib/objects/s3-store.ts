import type * as ClientS3 from '@aws-sdk/client-s3';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import type * as RequestPresigner from '@aws-sdk/s3-request-presigner';
import { lazyModule } from '../lazy-module.js';
import { describeValue } from '../tams/index.js';
import { ObjectStoreError } from './errors.js';
import { MAX_OBJECT_ID_BYTES, assertObjectId, objectIdProblem } from './object-id.js';
import { assertContentType, assertExpiresIn } from './presign-options.js';
import { RefreshingCredentials } from './refreshing-credentials.js';
import type { S3UrlTemplate } from './sigv4-presigner.js';
import { SigV4Presigner } from './sigv4-presigner.js';
import type { ObjectStore, PresignedRequest, PresignGetOptions, PresignPutOptions } from './types.js';

/** The AWS SDK, loaded when an S3 store is opened (lib/lazy-module.ts): ~13 MB a filesystem store never needs. */
const s3 = lazyModule<typeof ClientS3>('@aws-sdk/client-s3');
const presigner = lazyModule<typeof RequestPresigner>('@aws-sdk/s3-request-presigner');

/**
 * Objects in an S3 bucket (AWS, MinIO, VAST S3, ...): `@aws-sdk/client-s3` for the server-side calls,
 * `SigV4Presigner` for the URLs clients use. Key of an object: `${prefix}${objectId}`.
 */
export interface S3ObjectStoreOptions {
  /** e.g. `http://minio:9000`; omit for AWS, whose endpoint the SDK derives from the region. */
  readonly endpoint?: string | undefined;
  /**
   * The endpoint clients reach the store at, when it differs from the one this process uses (in Docker
   * Compose: `http://minio:9000` inside, `http://localhost:9000` outside). Presigned URLs sign the host,
   * so they must be made for the address clients will use. Default: `endpoint`.
   */
  readonly publicEndpoint?: string | undefined;
  readonly region: string;
  readonly bucket: string;
  /** `https://endpoint/bucket/key` instead of `https://bucket.endpoint/key`; MinIO and VAST usually need it. */
  readonly forcePathStyle: boolean;
  /** Prepended to every object id to form its key, e.g. `tams/`. */
  readonly prefix?: string | undefined;
  /** Static credentials or a provider; default: the SDK's default provider chain. */
  readonly credentials?: S3ClientConfig['credentials'];
  /** Milliseconds since the Unix epoch, for signing dates and credential expiry; default `Date.now`. */
  readonly clock?: () => number;
}

export interface S3ObjectStore extends ObjectStore {
  readonly kind: 's3';
  readonly bucket: string;
  readonly prefix: string;
  /** Creates the bucket unless it exists (deployments where the store owns its bucket; tests). */
  ensureBucket(): Promise<void>;
}

export async function createS3ObjectStore(options: S3ObjectStoreOptions): Promise<S3ObjectStore> {
  const { bucket, region } = options;
  const prefix = options.prefix ?? '';
  const clock = options.clock ?? Date.now;
  if (typeof bucket !== 'string' || bucket === '') {
    throw new ObjectStoreError('MISCONFIGURED', 'the S3 bucket name must not be empty');
  }
  if (prefix !== '') {
    // A prefix starts every key: it must be what an id may be once something follows (`tams/` is fine).
    // A valid id after it then cannot complete a bad segment: that id's first segment would be bad too.
    const problem = objectIdProblem(`${prefix}x`);
    if (problem !== undefined) {
      throw new ObjectStoreError(
        'MISCONFIGURED',
        `the S3 key prefix is unusable: ${problem.replace('object id', 'prefix')}`,
      );
    }
  }
  // Keys are at most 1024 bytes in S3; the prefix takes its share.
  const maxIdBytes = MAX_OBJECT_ID_BYTES - Buffer.byteLength(prefix, 'utf8');
  const clientConfig: S3ClientConfig = {
    region,
    forcePathStyle: options.forcePathStyle,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    // Without these the SDK (>= 3.729) signs a CRC32 of an empty body into presigned PUT URLs, which
    // S3, MinIO and others then reject, and sends checksum trailers older S3-compatible stores refuse.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  const client = new (s3().S3Client)({ ...clientConfig, credentials: options.credentials });
  let credentials: RefreshingCredentials | undefined;
  try {
    const publicConfig =
      options.publicEndpoint === undefined
        ? clientConfig
        : { ...clientConfig, endpoint: options.publicEndpoint };
    const presigner = new SigV4Presigner(await resolveUrlTemplate(publicConfig, bucket));
    credentials = await RefreshingCredentials.create(() => client.config.credentials(), { clock });
    return makeStore(client, credentials, presigner);
  } catch (e) {
    credentials?.close();
    client.destroy();
    throw e;
  }

  function makeStore(client: S3Client, credentials: RefreshingCredentials, presigner: SigV4Presigner) {
    const keyOf = (objectId: string): string => {
      assertObjectId(objectId, maxIdBytes);
      return `${prefix}${objectId}`;
    };
    const store: S3ObjectStore = {
      kind: 's3',
      bucket,
      prefix,
      presignPut(objectId: string, { contentType, expiresInSeconds }: PresignPutOptions): PresignedRequest {
        assertContentType(contentType);
        assertExpiresIn(expiresInSeconds);
        const url = presigner.presign(
          'PUT',
          keyOf(objectId),
          expiresInSeconds,
          clock(),
          credentials.current(),
        );
        // Not signed (the SDK never signs it either), but S3 stores it as the object's Content-Type.
        return contentType === undefined ? { url } : { url, headers: { 'content-type': contentType } };
      },
      presignGet(objectId: string, { expiresInSeconds }: PresignGetOptions): string {
        assertExpiresIn(expiresInSeconds);
        return presigner.presign('GET', keyOf(objectId), expiresInSeconds, clock(), credentials.current());
      },
      async exists(objectId) {
        const Key = keyOf(objectId);
        try {
          await client.send(new (s3().HeadObjectCommand)({ Bucket: bucket, Key }));
          return true;
        } catch (e) {
          if (isNotFound(e)) return false;
          throw sdkFailure('HeadObject', objectId, e);
        }
      },
      async size(objectId) {
        const Key = keyOf(objectId);
        try {
          const head = await client.send(new (s3().HeadObjectCommand)({ Bucket: bucket, Key }));
          return head.ContentLength ?? 0;
        } catch (e) {
          if (isNotFound(e)) return null;
          throw sdkFailure('HeadObject', objectId, e);
        }
      },
      async delete(objectId) {
        const Key = keyOf(objectId);
        try {
          await client.send(new (s3().DeleteObjectCommand)({ Bucket: bucket, Key }));
        } catch (e) {
          if (!isNotFound(e)) throw sdkFailure('DeleteObject', objectId, e);
        }
      },
      async put(objectId, body, contentType) {
        const Key = keyOf(objectId);
        assertContentType(contentType);
        try {
          await client.send(
            new (s3().PutObjectCommand)({ Bucket: bucket, Key, Body: body, ContentType: contentType }),
          );
        } catch (e) {
          throw sdkFailure('PutObject', objectId, e);
        }
      },
      async get(objectId) {
        const Key = keyOf(objectId);
        try {
          const out = await client.send(new (s3().GetObjectCommand)({ Bucket: bucket, Key }));
          if (out.Body === undefined) return Buffer.alloc(0);
          const bytes = await out.Body.transformToByteArray();
          return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        } catch (e) {
          if (isNotFound(e)) return null;
          throw sdkFailure('GetObject', objectId, e);
        }
      },
      async ensureBucket() {
        try {
          await client.send(new (s3().HeadBucketCommand)({ Bucket: bucket }));
          return;
        } catch (e) {
          if (!isNotFound(e)) throw sdkFailure('HeadBucket', undefined, e);
        }
        try {
          await client.send(
            new (s3().CreateBucketCommand)({
              Bucket: bucket,
              // AWS wants the region named outside us-east-1; MinIO and s3rver accept it.
              ...(region === 'us-east-1'
                ? {}
                : { CreateBucketConfiguration: { LocationConstraint: region } }),
            } as ConstructorParameters<typeof ClientS3.CreateBucketCommand>[0]),
          );
        } catch (e) {
          const name = e instanceof Error ? e.name : '';
          if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') {
            throw sdkFailure('CreateBucket', undefined, e);
          }
        }
      },
      close() {
        credentials.close();
        client.destroy();
        return Promise.resolve();
      },
    };
    return store;
  }

  function sdkFailure(operation: string, objectId: string | undefined, e: unknown): ObjectStoreError {
    // Only the error's name and status: S3 error bodies can echo the string to sign and request details.
    const name = e instanceof Error ? e.name : typeof e;
    const status = httpStatus(e);
    const what =
      `S3 ${operation}${objectId === undefined ? '' : ` of object ${describeValue(objectId)}`} in bucket ` +
      `${describeValue(bucket)} failed (${name}${status === undefined ? '' : `, HTTP ${status}`})`;
    if (name === 'NoSuchBucket') {
      return new ObjectStoreError('MISCONFIGURED', `${what}: the bucket does not exist; create it`, {
        cause: e,
      });
    }
    if (
      status === 403 ||
      name === 'AccessDenied' ||
      name === 'InvalidAccessKeyId' ||
      name === 'SignatureDoesNotMatch'
    ) {
      return new ObjectStoreError(
        'ACCESS_DENIED',
        `${what}: check the credentials, the region and the bucket policy`,
        { cause: e },
      );
    }
    if (e instanceof ObjectStoreError) return e;
    return new ObjectStoreError(
      'OBJECT_STORE_UNAVAILABLE',
      `${what}: check that the endpoint is reachable, then retry`,
      { cause: e },
    );
  }
}

function httpStatus(e: unknown): number | undefined {
  if (typeof e !== 'object' || e === null || !('$metadata' in e)) return undefined;
  const metadata = e.$metadata as { httpStatusCode?: unknown } | undefined;
  return typeof metadata?.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
}

function isNotFound(e: unknown): boolean {
  const name = e instanceof Error ? e.name : '';
  return name === 'NotFound' || name === 'NoSuchKey' || (name !== 'NoSuchBucket' && httpStatus(e) === 404);
}

// Presigned once at start with throwaway credentials, to learn the URL layout from the SDK itself.
const PROBE_KEY = 'tams-presign-probe';
const PROBE_DATE = new Date('2020-02-02T02:02:02Z');
const PROBE_CREDENTIALS = {
  accessKeyId: 'PROBEKEYID',
  secretAccessKey: 'probe-secret',
  sessionToken: 'probe/token+=',
};

/**
 * The URL layout of `bucket` as the SDK's endpoint rules resolve it (path-style or virtual-hosted, custom
 * endpoint, FIPS or dual-stack from the environment, ...), learnt by presigning a probe key through the
 * SDK rather than re-implementing those rules. The probe is then signed by our presigner as well and the
 * two URLs must be identical, so a configuration it cannot reproduce (S3 Express, access point ARNs,
 * SigV4a) fails here, at start, rather than in a client.
 */
async function resolveUrlTemplate(config: S3ClientConfig, bucket: string): Promise<S3UrlTemplate> {
  const probe = new (s3().S3Client)({ ...config, credentials: PROBE_CREDENTIALS });
  const misconfigured = (why: string, cause?: unknown) =>
    new ObjectStoreError(
      'MISCONFIGURED',
      `the S3 settings (endpoint ${describeValue(config.endpoint ?? '(AWS)')}, region ${describeValue(config.region)}, ` +
        `bucket ${describeValue(bucket)}) ${why}; use a plain bucket name and an http(s) endpoint`,
      { cause },
    );
  try {
    const sdkUrl = async (method: 'GET' | 'PUT', withToken: boolean) => {
      const input = { Bucket: bucket, Key: PROBE_KEY };
      const client = withToken
        ? probe
        : new (s3().S3Client)({ ...config, credentials: { ...PROBE_CREDENTIALS, sessionToken: undefined } });
      try {
        const command =
          method === 'GET' ? new (s3().GetObjectCommand)(input) : new (s3().PutObjectCommand)(input);
        return await presigner().getSignedUrl(client, command, { expiresIn: 60, signingDate: PROBE_DATE });
      } finally {
        if (client !== probe) client.destroy();
      }
    };
    let getUrl: string;
    let putUrl: string;
    try {
      getUrl = await sdkUrl('GET', true);
      putUrl = await sdkUrl('PUT', false);
    } catch (e) {
      throw misconfigured('cannot be presigned by the SDK', e);
    }
    const q = getUrl.indexOf('?');
    const m = /^(https?:\/\/)([^/?#@]+)(\/[^?#]*)$/.exec(q === -1 ? getUrl : getUrl.slice(0, q));
    const scope = new URLSearchParams(getUrl.slice(q + 1)).get('X-Amz-Credential')?.split('/');
    const path = m?.[3];
    if (m === null || path === undefined || !path.endsWith(`/${PROBE_KEY}`) || scope?.length !== 5) {
      throw misconfigured('give presigned URLs of an unexpected shape');
    }
    const template: S3UrlTemplate = {
      origin: `${m[1]}${m[2]}`,
      host: m[2] ?? '',
      basePath: path.slice(0, -PROBE_KEY.length - 1),
      region: scope[2] ?? '',
      service: scope[3] ?? '',
    };
    const ours = new SigV4Presigner(template);
    const now = PROBE_DATE.getTime();
    const { sessionToken: _, ...withoutToken } = PROBE_CREDENTIALS;
    if (
      ours.presign('GET', PROBE_KEY, 60, now, PROBE_CREDENTIALS) !== getUrl ||
      ours.presign('PUT', PROBE_KEY, 60, now, withoutToken) !== putUrl
    ) {
      throw misconfigured('give presigned URLs this store cannot reproduce');
    }
    return template;
  } finally {
    probe.destroy();
  }
}
