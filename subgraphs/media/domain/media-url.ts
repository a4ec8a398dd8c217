import { describeValue } from '../../../lib/tams/index.js';

/**
 * URLs a client registers for media (a segment's `get_urls`): what every reader of the segment will be
 * handed to GET the bytes from. 7.0 describes one store type, `http_object_store`, whose get URLs are
 * "a URL to which a GET request can be made" (flow-segment.json, ADR0015); no other scheme (`s3:`,
 * `file:`) appears anywhere in 7.0. So: an absolute http or https URL with a host, which rules out
 * `javascript:`, `data:` and friends that a browser dashboard would execute or render.
 *
 * Also refused: credentials in the URL (fetch refuses to send such a request, and every reader would see
 * them; a presigned URL carries its authorisation in the query), and white space or control characters
 * anywhere (WHATWG parsers silently drop tabs and newlines and trim the ends, so `java\nscript:` would
 * read as another URL to them than to other clients). Private addresses are fine: the store never
 * fetches these URLs, its clients do (webhook targets have their own rules: webhooks/webhook-targets.ts).
 */
export const MEDIA_URL_SCHEMES: readonly string[] = ['http:', 'https:'];

/** Longest media URL kept (presigned S3 URLs with session tokens run to ~2 KB). */
export const MAX_MEDIA_URL_LENGTH = 8192;

const WHITE_SPACE_OR_CONTROL = /[\s\p{Cc}]/u;

/** Why `value` is not a usable media URL, or undefined when it is. */
export function mediaUrlProblem(value: string): string | undefined {
  if (value.length > MAX_MEDIA_URL_LENGTH) return `the URL is longer than ${MAX_MEDIA_URL_LENGTH} characters`;
  if (WHITE_SPACE_OR_CONTROL.test(value))
    return `${describeValue(value)} contains white space or a control character; percent-encode it`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${describeValue(value)} is not an absolute URL`;
  }
  if (!MEDIA_URL_SCHEMES.includes(url.protocol))
    return `${describeValue(url.protocol)} URLs cannot be fetched by media clients; give an http or https URL`;
  if (url.hostname === '') return `${describeValue(value)} has no host`;
  if (url.username !== '' || url.password !== '')
    return 'the URL must not carry credentials (user:password@); presign it instead';
  return undefined;
}
