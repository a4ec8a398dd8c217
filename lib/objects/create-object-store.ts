import type { ObjectErrorListener, ObjectStoredListener } from './filesystem-handler.js';
import { createFilesystemObjectStore } from './filesystem-store.js';
import type { FilesystemObjectStore } from './filesystem-store.js';
import { createS3ObjectStore } from './s3-store.js';
import type { S3ObjectStore } from './s3-store.js';
import { loadOrCreateSigningKey } from './signing-key.js';

/** What the configuration module hands over to build the deployment's object store. */
export interface FilesystemStoreConfig {
  readonly kind: 'filesystem';
  /** Directory holding the objects. */
  readonly root: string;
  /** Origin clients reach the gateway at, e.g. `https://tams.example.com`. */
  readonly publicBaseUrl: string;
  /** 32-byte URL-signing key file; created (mode 0600) when missing. */
  readonly signingKeyPath: string;
  /** Default `/object-store`. */
  readonly mountPath?: string;
  /** Default 10 GiB. */
  readonly maxObjectBytes?: number;
  readonly onError?: ObjectErrorListener;
  /** Told each uploaded object's size once it is durable, e.g. to record it in the index. */
  readonly onStored?: ObjectStoredListener;
}

export interface S3StoreConfig {
  readonly kind: 's3';
  readonly endpoint?: string | undefined;
  /** Endpoint for presigned URLs when clients reach the store at another address than this process. */
  readonly publicEndpoint?: string | undefined;
  readonly region: string;
  readonly bucket: string;
  readonly forcePathStyle: boolean;
  readonly prefix?: string | undefined;
  /** Create the bucket at start when missing (MinIO in development); default false. */
  readonly createBucket?: boolean;
}

export type ObjectStoreConfig = FilesystemStoreConfig | S3StoreConfig;

/**
 * The store a configuration describes. S3 credentials come from the environment through the SDK's
 * default chain; the filesystem store's signing key from its key file.
 */
export function createObjectStore(config: FilesystemStoreConfig): Promise<FilesystemObjectStore>;
export function createObjectStore(config: S3StoreConfig): Promise<S3ObjectStore>;
export function createObjectStore(config: ObjectStoreConfig): Promise<FilesystemObjectStore | S3ObjectStore>;
export async function createObjectStore(
  config: ObjectStoreConfig,
): Promise<FilesystemObjectStore | S3ObjectStore> {
  switch (config.kind) {
    case 'filesystem': {
      const { root, publicBaseUrl, mountPath, maxObjectBytes, onError, onStored } = config;
      const signingKey = await loadOrCreateSigningKey(config.signingKeyPath);
      return createFilesystemObjectStore({
        root,
        publicBaseUrl,
        mountPath,
        maxObjectBytes,
        onError,
        onStored,
        signingKey,
      });
    }
    case 's3': {
      const { endpoint, publicEndpoint, region, bucket, forcePathStyle, prefix } = config;
      const store = await createS3ObjectStore({
        endpoint,
        publicEndpoint,
        region,
        bucket,
        forcePathStyle,
        prefix,
      });
      if (config.createBucket === true) {
        try {
          await store.ensureBucket();
        } catch (e) {
          await store.close();
          throw e;
        }
      }
      return store;
    }
  }
}
