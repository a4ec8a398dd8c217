import fc from 'fast-check';
import { headerSafe, hostileString, INJECTIONS } from './hostile-values.js';

/**
 * Hostile request headers: content types that lie, duplicated headers, odd accepts, forwarding and
 * override headers a naive server would trust, and values up to the size node accepts. Headers that
 * change HTTP framing (content-length, transfer-encoding, expect, upgrade) are left out: node's own
 * parser answers those before any of our code runs. So is `authorization`: the suite's sender adds an admin
 * token to every request (hostile credentials are test/auth's subject).
 */

export type Headers = Record<string, string | string[]>;

/** Types no JSON endpoint may take for JSON. */
export const LYING_CONTENT_TYPES = [
  'text/plain',
  'text/html',
  'application/xml',
  'application/octet-stream',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----hostile',
  'image/png',
  'video/mp2t',
];

const contentType = fc.oneof(
  { weight: 4, arbitrary: fc.constant<string | string[] | undefined>('application/json') },
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fc.constantFrom(...LYING_CONTENT_TYPES) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-16',
      'application/json; charset=latin1',
      'APPLICATION/JSON',
      'application/json;;;',
      'application/vnd.api+json',
      'application/graphql',
      'application/graphql-response+json',
      '',
      ';',
      'json',
    ),
  },
  // Node keeps only the first of duplicated content types; the server must not trust either blindly.
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...LYING_CONTENT_TYPES), fc.boolean())
      .map(([lie, first]) => (first ? [lie, 'application/json'] : ['application/json', lie])),
  },
);

const NAMES = [
  'accept',
  'accept-encoding',
  'accept-language',
  'cookie',
  'origin',
  'referer',
  'range',
  'if-none-match',
  'if-modified-since',
  'x-request-id',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-real-ip',
  'x-http-method-override',
  'x-method-override',
  'x-original-url',
  'x-rewrite-url',
  'content-encoding',
  'apollographql-client-name',
  'x-apollo-operation-name',
  'apollo-require-preflight',
  'user-agent',
  'prefer',
  'forwarded',
];

const headerValue = fc.oneof(
  fc.constantFrom(
    'DELETE',
    'PUT',
    'gzip',
    'br',
    '*/*',
    'text/html',
    'application/json;q=0',
    'multipart/mixed; deferSpec=20220824',
    'text/event-stream',
    'bytes=0-1,-1',
    'return=minimal',
    '127.0.0.1',
    'for=127.0.0.1;proto=http',
    '/flows',
    'evil.example',
    'null',
  ),
  hostileString.map(headerSafe),
);

/** One or two values per header; two is a duplicate header on the wire. */
const extraHeader = fc.tuple(
  fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...NAMES) },
    { weight: 1, arbitrary: fc.stringMatching(/^x-[a-z0-9-]{1,20}$/) },
  ),
  fc.array(headerValue, { minLength: 1, maxLength: 2 }),
);

/** A value near node's 16 KiB header limit (the request line and other headers stay below it). */
const hugeValue = fc
  .tuple(fc.integer({ min: 2_000, max: 9_000 }), fc.constantFrom(...INJECTIONS.map(headerSafe)))
  .map(([n, s]) => (s + 'x').repeat(Math.ceil(n / (s.length + 1))).slice(0, n));

/** Headers for one request: a content type (maybe lying or duplicated), extras, maybe one huge value. */
export const hostileHeaders: fc.Arbitrary<Headers> = fc
  .tuple(contentType, fc.array(extraHeader, { maxLength: 3 }), fc.option(hugeValue, { freq: 6 }))
  .map(([type, extras, huge]) => {
    const headers: Headers = {};
    if (type !== undefined) headers['content-type'] = type;
    for (const [name, values] of extras) headers[name] = values.length === 1 ? values[0]! : values;
    if (huge !== null) headers['x-hostile-padding'] = huge;
    return headers;
  });

/** Bytes the request line and headers take, to stay below node's 16 KiB limit (it would answer 431 itself). */
export function headerBytes(target: string, headers: Headers): number {
  let n = target.length + 64;
  for (const [name, value] of Object.entries(headers))
    for (const v of Array.isArray(value) ? value : [value])
      n += name.length + Buffer.byteLength(v, 'latin1') + 4;
  return n;
}

export const HEADER_BUDGET = 14_000;
