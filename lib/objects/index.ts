/**
 * Object storage: one interface (`ObjectStore`), an S3 adapter and an embedded filesystem store whose
 * signed URLs the gateway serves; cheap synchronous presigning for segment listings.
 */
export type { ObjectStore, PresignedRequest, PresignGetOptions, PresignPutOptions } from './types.js';
export { isObjectStoreError, ObjectStoreError } from './errors.js';
export type { ObjectStoreErrorCode } from './errors.js';
export { MAX_OBJECT_ID_BYTES, objectIdProblem } from './object-id.js';
export { MAX_PRESIGN_SECONDS } from './presign-options.js';

export { createObjectStore } from './create-object-store.js';
export type { FilesystemStoreConfig, ObjectStoreConfig, S3StoreConfig } from './create-object-store.js';

export {
  createFilesystemObjectStore,
  DEFAULT_MAX_OBJECT_BYTES,
  DEFAULT_MOUNT_PATH,
} from './filesystem-store.js';
export type { FilesystemObjectStore, FilesystemObjectStoreOptions } from './filesystem-store.js';
export type {
  ObjectErrorListener,
  ObjectRequestHandler,
  ObjectStoredListener,
} from './filesystem-handler.js';
export { loadOrCreateSigningKey, SIGNING_KEY_BYTES } from './signing-key.js';

export { createS3ObjectStore } from './s3-store.js';
export type { S3ObjectStore, S3ObjectStoreOptions } from './s3-store.js';
export { encodeS3Key, SigV4Presigner } from './sigv4-presigner.js';
export type { PresignMethod, S3UrlTemplate, SigV4Credentials } from './sigv4-presigner.js';
