import { describeValue } from '../tams/index.js';
import { ObjectStoreError } from './errors.js';

/**
 * Object ids are arbitrary client-visible strings (TAMS 7.0: opaque, may contain `/`). Both stores accept
 * the same ids, so an id can be replicated between them. The rules are what every store and every URL
 * can carry: S3's 1024-byte key limit, no NUL (filesystems, C libraries), well-formed UTF-16 (a lone
 * surrogate has no UTF-8 form, so it cannot be percent-encoded), and no `.` or `..` path segment: S3 keeps
 * `/` in the URL path, and every WHATWG URL client (fetch, browsers) collapses dot segments before sending,
 * so such an object could be written but never fetched through its URL.
 */
export const MAX_OBJECT_ID_BYTES = 1024;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;

/** Why `id` is not a usable object id, or undefined when it is. Cheap: it runs once per presigned URL. */
export function objectIdProblem(id: unknown, maxBytes = MAX_OBJECT_ID_BYTES): string | undefined {
  if (typeof id !== 'string') return `an object id must be a string, got ${describeValue(id)}`;
  if (id.length === 0) return 'an object id must not be empty';
  if (id.length > maxBytes || Buffer.byteLength(id, 'utf8') > maxBytes) {
    return `object id ${describeValue(id)} is longer than ${maxBytes} bytes (UTF-8)`;
  }
  if (id.includes('\0')) return `object id ${describeValue(id)} contains NUL`;
  if (LONE_SURROGATE.test(id)) return `object id ${describeValue(id)} contains a lone UTF-16 surrogate`;
  if (DOT_SEGMENT.test(id)) {
    return `object id ${describeValue(id)} has a "." or ".." path segment, which URL clients collapse`;
  }
  return undefined;
}

/** Throws `INVALID_OBJECT_ID` unless `id` is a usable object id. */
export function assertObjectId(id: unknown, maxBytes = MAX_OBJECT_ID_BYTES): asserts id is string {
  const problem = objectIdProblem(id, maxBytes);
  if (problem !== undefined) {
    throw new ObjectStoreError('INVALID_OBJECT_ID', `${problem}; choose another id`);
  }
}
