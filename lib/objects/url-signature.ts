import { createHmac, timingSafeEqual } from 'node:crypto';
import { ObjectStoreError } from './errors.js';

/**
 * HMAC-SHA256 signatures of the filesystem store's URLs. A signature binds the method class (PUT, or GET
 * which also allows HEAD), the expiry, the content type a PUT must carry (or that it carries none) and the
 * object id. Fields are unambiguous: the content type is length-prefixed and the id, which may hold any
 * character, comes last.
 */
export type MethodClass = 'GET' | 'PUT';

export const MIN_SIGNING_KEY_BYTES = 32;
const SIGNATURE_BYTES = 32;

export class UrlSigner {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (!Buffer.isBuffer(key) || key.length < MIN_SIGNING_KEY_BYTES) {
      throw new ObjectStoreError(
        'INVALID_SIGNING_KEY',
        `the URL-signing key must be a Buffer of at least ${MIN_SIGNING_KEY_BYTES} random bytes`,
      );
    }
    this.#key = Buffer.from(key);
  }

  /** base64url signature for a URL. */
  sign(method: MethodClass, objectId: string, expires: number, contentType?: string): string {
    return this.#mac(method, objectId, expires, contentType).toString('base64url');
  }

  /**
   * Whether `signature` was made by `sign` with these fields. Compared in constant time so a client cannot
   * learn a valid signature byte by byte from response timing.
   */
  verify(
    method: MethodClass,
    objectId: string,
    expires: number,
    contentType: string | undefined,
    signature: string,
  ): boolean {
    const provided = Buffer.from(signature, 'base64url');
    if (provided.length !== SIGNATURE_BYTES) return false;
    return timingSafeEqual(provided, this.#mac(method, objectId, expires, contentType));
  }

  #mac(method: MethodClass, objectId: string, expires: number, contentType: string | undefined): Buffer {
    const ct = contentType === undefined ? '-' : `${contentType.length}:${contentType}`;
    return createHmac('sha256', this.#key).update(`${method}\n${expires}\n${ct}\n${objectId}`).digest();
  }
}
