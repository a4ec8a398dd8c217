import { describeValue } from '../tams/index.js';
import { ObjectStoreError } from './errors.js';

/** SigV4's limit for presigned URLs; the filesystem store uses the same one so both stores behave alike. */
export const MAX_PRESIGN_SECONDS = 604_800;

export function assertExpiresIn(seconds: number): void {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_PRESIGN_SECONDS) {
    throw new ObjectStoreError(
      'INVALID_ARGUMENT',
      `expiresInSeconds must be a whole number from 1 to ${MAX_PRESIGN_SECONDS} (7 days), got ${describeValue(seconds)}`,
    );
  }
}

// A header value a client can send verbatim: visible ASCII and spaces, no CR/LF, no leading/trailing space.
const HEADER_VALUE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

export function assertContentType(contentType: string | undefined): void {
  if (contentType === undefined) return;
  if (typeof contentType !== 'string' || contentType.length > 256 || !HEADER_VALUE.test(contentType)) {
    throw new ObjectStoreError(
      'INVALID_ARGUMENT',
      `content type ${describeValue(contentType)} is not a valid header value (1 to 256 visible ASCII characters)`,
    );
  }
}
