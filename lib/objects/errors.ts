/**
 * Typed errors of the object stores. Callers never see an SDK or filesystem error directly: every failure
 * is one of these, with a stable `code` they can map to a TAMS status or a GraphQL error code. Messages say
 * what failed and what the caller can do; they never contain credentials, signatures or signed URLs.
 */
export type ObjectStoreErrorCode =
  /** The store (S3 endpoint, disk) could not be reached or failed; retrying may help. */
  | 'OBJECT_STORE_UNAVAILABLE'
  /** The store refused the operation (S3 403): wrong credentials, policy or bucket. */
  | 'ACCESS_DENIED'
  /** No usable credentials could be resolved or refreshed. */
  | 'CREDENTIALS_UNAVAILABLE'
  /** The object id breaks the rules of object-id.ts (control characters, dot or empty segments, length...). */
  | 'INVALID_OBJECT_ID'
  /** Another argument is out of range (expiry, content type, ...). */
  | 'INVALID_ARGUMENT'
  /** The body is larger than the store accepts. */
  | 'OBJECT_TOO_LARGE'
  /** The URL-signing key file exists but is not a usable key. */
  | 'INVALID_SIGNING_KEY'
  /** The store's configuration cannot work (bad URL, endpoint the presigner cannot reproduce, ...). */
  | 'MISCONFIGURED';

export class ObjectStoreError extends Error {
  override readonly name: string = 'ObjectStoreError';
  constructor(
    readonly code: ObjectStoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** True when the same operation may succeed if simply retried (endpoint down, disk briefly unavailable). */
  get retryable(): boolean {
    return this.code === 'OBJECT_STORE_UNAVAILABLE';
  }
}

export function isObjectStoreError(e: unknown): e is ObjectStoreError {
  return e instanceof ObjectStoreError;
}
