import { describeValue } from '../tams/index.js';
import { ObjectStoreError } from './errors.js';

/**
 * The one rule for object ids, checked wherever an id enters the store (storage allocation, segment
 * registration: subgraphs/media/domain/validation.ts) and again by both object stores on every use.
 *
 * 7.0 makes ids opaque strings that may contain `/` (examples use `bucket/uuid`). An id becomes a URL
 * path on both stores and an S3 key, so it must survive every URL client and every S3 server the store
 * supports (AWS, MinIO, VAST, s3rver in tests) unchanged:
 * - 1 to 1024 UTF-8 bytes (S3's key limit; an S3 prefix takes its share);
 * - well-formed Unicode: a lone surrogate has no UTF-8 form, so it cannot be percent-encoded or stored;
 * - no control characters (U+0000-U+001F, U+007F-U+009F): S3 documents them as needing special handling,
 *   XML 1.0 (S3's listing and error bodies) cannot carry most of them, MinIO and filesystem-backed stores
 *   refuse NUL, and no real id needs them;
 * - every `/`-separated segment holds something other than blanks and dots up to `..`: `.` and `..` are
 *   collapsed by every WHATWG URL client (fetch, browsers; also when written `%2e`), so such an object
 *   could be written but never fetched through its URL; empty segments (a leading or trailing `/`, `//`)
 *   and dot segments padded with spaces are refused by MinIO and stored wrongly by s3rver;
 * - every segment is at most 255 UTF-8 bytes: MinIO and other filesystem-backed S3 servers keep each
 *   segment as a file or directory name, which filesystems limit to 255 bytes.
 * Anything else is fine: spaces, `+`, `%`, `?`, `#`, any Unicode, look-alikes such as `%2e%2e` or `...`.
 * The filesystem store never builds a path from an id (it hashes it), so these rules are about URLs
 * and S3, not about escaping its root.
 */
export const MAX_OBJECT_ID_BYTES = 1024;
export const MAX_OBJECT_ID_SEGMENT_BYTES = 255;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const CONTROL_CHARACTER = /\p{Cc}/u;
/** A segment that is empty, blank, `.` or `..`, possibly padded with white space. */
const BAD_SEGMENT = /(?:^|\/)\s*\.{0,2}\s*(?:\/|$)/;

/** Why `id` is not a usable object id, or undefined when it is. Cheap: it runs once per presigned URL. */
export function objectIdProblem(id: unknown, maxBytes = MAX_OBJECT_ID_BYTES): string | undefined {
  if (typeof id !== 'string') return `an object id must be a string, got ${describeValue(id)}`;
  if (id.length === 0) return 'an object id must not be empty';
  if (id.length > maxBytes || Buffer.byteLength(id, 'utf8') > maxBytes) {
    return `object id ${describeValue(id)} is longer than ${maxBytes} bytes (UTF-8)`;
  }
  if (LONE_SURROGATE.test(id)) return `object id ${describeValue(id)} contains a lone UTF-16 surrogate`;
  const control = CONTROL_CHARACTER.exec(id);
  if (control) {
    const code = control[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return `object id ${describeValue(id)} contains the control character U+${code}`;
  }
  if (BAD_SEGMENT.test(id)) {
    return (
      `object id ${describeValue(id)} has an empty, blank, "." or ".." segment between slashes, ` +
      'which URL clients collapse or S3 servers refuse'
    );
  }
  if (id.length > MAX_OBJECT_ID_SEGMENT_BYTES / 3 && longestSegmentBytes(id) > MAX_OBJECT_ID_SEGMENT_BYTES) {
    return (
      `object id ${describeValue(id)} has a segment between slashes longer than ` +
      `${MAX_OBJECT_ID_SEGMENT_BYTES} bytes (UTF-8), which filesystem-backed S3 servers cannot store`
    );
  }
  return undefined;
}

function longestSegmentBytes(id: string): number {
  let longest = 0;
  for (const segment of id.split('/')) longest = Math.max(longest, Buffer.byteLength(segment, 'utf8'));
  return longest;
}

/** Throws `INVALID_OBJECT_ID` unless `id` is a usable object id. */
export function assertObjectId(id: unknown, maxBytes = MAX_OBJECT_ID_BYTES): asserts id is string {
  const problem = objectIdProblem(id, maxBytes);
  if (problem !== undefined) {
    throw new ObjectStoreError('INVALID_OBJECT_ID', `${problem}; choose another id`);
  }
}
