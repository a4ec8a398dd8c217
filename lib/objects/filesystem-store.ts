import { Readable } from 'node:stream';
import { describeValue } from '../tams/index.js';
import { ObjectStoreError } from './errors.js';
import type {
  ObjectErrorListener,
  ObjectRequestHandler,
  ObjectStoredListener,
} from './filesystem-handler.js';
import { createFilesystemHandler } from './filesystem-handler.js';
import { ObjectDirectory } from './filesystem-layout.js';
import { assertObjectId } from './object-id.js';
import { assertContentType, assertExpiresIn } from './presign-options.js';
import type { ObjectStore, PresignedRequest, PresignGetOptions, PresignPutOptions } from './types.js';
import { UrlSigner } from './url-signature.js';

/**
 * The embedded object store: bytes on local disk, read and written by clients through URLs the gateway
 * serves (`handler`), signed with HMAC-SHA256 and expiring, so they work like S3 presigned URLs.
 */
export const DEFAULT_MOUNT_PATH = '/object-store';
export const DEFAULT_MAX_OBJECT_BYTES = 10 * 1024 ** 3;

export interface FilesystemObjectStoreOptions {
  /** Directory holding the objects (created if missing). */
  readonly root: string;
  /** Origin (and optional path) clients reach the gateway at, e.g. `https://tams.example.com`. */
  readonly publicBaseUrl: string;
  /** Path the gateway mounts `handler` at; default `/object-store`. */
  readonly mountPath?: string;
  /** At least 32 secret bytes; see `loadOrCreateSigningKey`. */
  readonly signingKey: Buffer;
  /** Milliseconds since the Unix epoch; default `Date.now`. */
  readonly clock?: () => number;
  /** Largest object a PUT may upload; default 10 GiB. */
  readonly maxObjectBytes?: number;
  /** Told about failures the handler answered with 500, for logging. */
  readonly onError?: ObjectErrorListener;
  /** Told each uploaded object's size once it is durable (see FilesystemHandlerOptions.onStored). */
  readonly onStored?: ObjectStoredListener;
}

export interface FilesystemObjectStore extends ObjectStore {
  readonly kind: 'filesystem';
  readonly mountPath: string;
  /** Serves the signed URLs; resolves false, untouched, for paths outside `mountPath`. */
  readonly handler: ObjectRequestHandler;
}

const MOUNT_PATH = /^(?:\/[A-Za-z0-9._~-]+)+$/;

export async function createFilesystemObjectStore(
  options: FilesystemObjectStoreOptions,
): Promise<FilesystemObjectStore> {
  const mountPath = options.mountPath ?? DEFAULT_MOUNT_PATH;
  if (!MOUNT_PATH.test(mountPath)) {
    throw new ObjectStoreError(
      'MISCONFIGURED',
      `mount path ${describeValue(mountPath)} must look like /object-store: a leading /, no trailing /, unreserved characters`,
    );
  }
  const maxObjectBytes = options.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES;
  if (!Number.isSafeInteger(maxObjectBytes) || maxObjectBytes < 0) {
    throw new ObjectStoreError('MISCONFIGURED', `maxObjectBytes must be a whole number of bytes`);
  }
  const urlBase = `${baseUrl(options.publicBaseUrl)}${mountPath}/`;
  const clock = options.clock ?? Date.now;
  const signer = new UrlSigner(options.signingKey);
  const directory = new ObjectDirectory(options.root);
  await directory.init();

  const handler = createFilesystemHandler({
    directory,
    signer,
    mountPath,
    clock,
    maxObjectBytes,
    onError: options.onError,
    onStored: options.onStored,
  });

  function signedUrl(method: 'GET' | 'PUT', objectId: string, expiresIn: number, contentType?: string) {
    assertObjectId(objectId);
    assertExpiresIn(expiresIn);
    const expires = Math.floor(clock() / 1000) + expiresIn;
    const signature = signer.sign(method, objectId, expires, contentType);
    return `${urlBase}${encodeURIComponent(objectId)}?expires=${expires}&signature=${signature}`;
  }

  return {
    kind: 'filesystem',
    mountPath,
    handler,
    presignPut(objectId: string, { contentType, expiresInSeconds }: PresignPutOptions): PresignedRequest {
      assertContentType(contentType);
      const url = signedUrl('PUT', objectId, expiresInSeconds, contentType);
      return contentType === undefined ? { url } : { url, headers: { 'content-type': contentType } };
    },
    presignGet(objectId: string, { expiresInSeconds }: PresignGetOptions): string {
      return signedUrl('GET', objectId, expiresInSeconds);
    },
    async exists(objectId) {
      assertObjectId(objectId);
      return directory.exists(objectId);
    },
    async size(objectId) {
      assertObjectId(objectId);
      return directory.size(objectId);
    },
    async delete(objectId) {
      assertObjectId(objectId);
      await directory.remove(objectId);
    },
    async put(objectId, body, contentType) {
      assertObjectId(objectId);
      assertContentType(contentType);
      await directory.write(objectId, Readable.from([body]), contentType, maxObjectBytes);
    },
    async get(objectId) {
      assertObjectId(objectId);
      return directory.read(objectId);
    },
    async close() {
      // Nothing held open: every handle belongs to one request and is closed with it.
    },
  };
}

function baseUrl(publicBaseUrl: string): string {
  let url: URL;
  try {
    url = new URL(publicBaseUrl);
  } catch {
    url = new URL('invalid:');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '') {
    throw new ObjectStoreError(
      'MISCONFIGURED',
      `public base URL ${describeValue(publicBaseUrl)} must be an http(s) URL without query or fragment, ` +
        'e.g. https://tams.example.com',
    );
  }
  return url.href.replace(/\/+$/, '');
}
