import fc from 'fast-check';
import { parseTimeRange, validateTagName, validateUuid } from '../../lib/tams/index.js';

/**
 * Hostile scalar values: strings that attack parsers, storage and templates, ids that are not ids,
 * timeranges that are not timeranges. Invalidity is checked with the store's own validators (lib/tams),
 * so a value meant to be invalid never happens to be valid.
 */

/**
 * Text the response judge treats as a leak of internals (SQL, database names, stack frames). Generated
 * input never contains it, so an error message that echoes the input cannot trip the judge.
 */
export const LEAK_WORDS = /select|sqlite|postgres|at \/|\.ts:|\.js:|node_modules/i;

export const INJECTIONS: readonly string[] = [
  // SQL
  "' OR 1=1 --",
  "' OR '1'='1",
  '" OR ""="',
  "'; DROP TABLE flows; --",
  '1; DROP TABLE segments',
  "x' UNION ALL --",
  "'); DELETE FROM flows; --",
  '\\',
  "'",
  '"',
  '`',
  // NUL and path traversal
  '%00',
  '\u0000',
  'a\u0000b',
  '../',
  '../../../../etc/passwd',
  '..%2F..%2Ftams.sqlite3',
  '..\\..\\windows\\win.ini',
  '/object-store/../tams.sqlite3',
  'file:///etc/passwd',
  // templates and prototype keys
  '${7*7}',
  '${process.exit(1)}',
  '#{7*7}',
  '{{7*7}}',
  "{{constructor.constructor('return process')()}}",
  '<%= 7*7 %>',
  '${jndi:ldap://127.0.0.1/a}',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '__defineGetter__',
  // markup, NoSQL, GraphQL
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '{"$gt": ""}',
  '$where',
  '") { id } } mutation { deleteFlow(id: "x") { done } } #',
  '{ __schema { types { name } } }',
  '$id',
  '@include(if: true)',
  '... on Query { webhooks { url } }',
  // header splitting, unicode
  'x\r\nx-injected: 1',
  '\r\n\r\nGET / HTTP/1.1',
  '\u202eevil',
  '\ufeff',
  '\ud800',
  '\udfff',
  '\u{1d54f}',
  '\u{1f3ac}',
  '\u0130',
  'e\u0301',
  '\uff21',
  '\u0661\u0662',
  // numbers and keywords that loose parsers coerce
  '-1',
  '0',
  '1e309',
  'NaN',
  'Infinity',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  ' ',
  '\t',
  '\n',
  '',
];

const noLeak = (s: string) => !LEAK_WORDS.test(s);

const CONTROL = fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c));

/** Any hostile string: injections, arbitrary code points (lone surrogates included), controls, long runs. */
export const hostileString: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 4, arbitrary: fc.constantFrom(...INJECTIONS) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
    { weight: 1, arbitrary: fc.string({ unit: CONTROL, minLength: 1, maxLength: 6 }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 24 }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...INJECTIONS), fc.integer({ min: 2, max: 40 }))
        .map(([s, n]) => s.repeat(n)),
    },
    { weight: 1, arbitrary: fc.integer({ min: 300, max: 5000 }).map((n) => 'x'.repeat(n)) },
  )
  .filter(noLeak);

/** UUIDs the store accepts (versions 1-5, lowercase) that name nothing: no fixture has them. */
export const unknownUuid = (known: readonly string[]) =>
  fc.uuid({ version: [1, 2, 3, 4, 5] }).filter((u) => !known.includes(u));

/** Strings that are not ids (per the store's validator), many of them near misses of real ones. */
export function badId(near: readonly string[]): fc.Arbitrary<string> {
  const nearMiss = fc.constantFrom(...near, '3b2a5c3e-7f1a-4c3b-9e2a-1f0d6c8b9a01').chain((id) =>
    fc.constantFrom(
      id.toUpperCase(),
      `${id} `,
      ` ${id}`,
      `${id}\u0000`,
      `${id}\n`,
      `${id}/`,
      `${id}/..`,
      id.replaceAll('-', ''),
      `{${id}}`,
      `urn:uuid:${id}`,
      id.slice(0, -1),
      `${id}a`,
      `${id.slice(0, 14)}7${id.slice(15)}`, // version 7: valid UUID, not one 7.0 allows
      `${id.slice(0, 14)}0${id.slice(15)}`,
      `${id.slice(0, 19)}c${id.slice(20)}`, // variant bits wrong
      id.replaceAll('a', '\uff41'),
      `${id}%00`,
      `${id},${id}`,
    ),
  );
  return fc
    .oneof(
      { weight: 3, arbitrary: nearMiss },
      { weight: 3, arbitrary: hostileString },
      { weight: 1, arbitrary: fc.uuid({ version: [6, 7, 8] }) },
      { weight: 1, arbitrary: fc.uuid().map((u) => u.toUpperCase()) },
      {
        weight: 1,
        arbitrary: fc.string({ unit: fc.constantFrom(...'0123456789abcdef-'), minLength: 30, maxLength: 40 }),
      },
      { weight: 1, arbitrary: fc.integer().map(String) },
      { weight: 1, arbitrary: fc.integer({ min: 1000, max: 6000 }).map((n) => 'f'.repeat(n)) },
    )
    .filter((s) => !validateUuid(s).ok);
}

/** Tag names the store refuses (validateTagName): controls, overlong; never empty (that is another path). */
export const badTagName: fc.Arbitrary<string> = fc
  .oneof(
    fc.tuple(hostileString, CONTROL, hostileString).map(([a, c, b]) => `${a}${c}${b}`),
    fc.integer({ min: 257, max: 3000 }).map((n) => 't'.repeat(n)),
  )
  .filter((s) => s !== '' && !validateTagName(s).ok);

/** Any tag name for reads: real, odd or refused. */
export const anyTagName: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('genre', 'a', 'missing'),
  hostileString.filter((s) => s !== ''),
  badTagName,
);

const timestamp = fc.oneof(
  fc.constantFrom('0:0', '10:0', '1:500000000', '-5:0', '1694429247:40000000'),
  fc
    .tuple(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), fc.integer({ min: 0, max: 999_999_999 }))
    .map(([s, n]) => `${s}:${n}`),
);

/** Timeranges the store accepts, for reads (a valid one reaches the executor's window queries). */
export const validTimerange: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('_', '()', '[0:0_10:0)', '[5:0_', '_5:0)', '[3:0]', '(0:0_1:500000000]', '[-10:0_10:0)'),
  fc
    .tuple(
      fc.constantFrom('[', '(', ''),
      fc.option(timestamp),
      fc.option(timestamp),
      fc.constantFrom(')', ']', ''),
    )
    .map(([a, s, e, b]) => `${a}${s ?? ''}_${e ?? ''}${b}`),
);

/** Strings that are not timeranges (per the store's parser), many of them near misses. */
export const badTimerange: fc.Arbitrary<string> = fc
  .oneof(
    fc.constantFrom(
      '[0:0_1:05)',
      '[0:0_10:0',
      '0:0_1:0)',
      '[a:b_c:d)',
      '[1:1000000000_2:0)',
      '[01:0_2:0)',
      '[0:0_1:0)]',
      ']0:0_1:0[',
      '[0:0__1:0)',
      '((',
      '[]]',
      '[0:0_1:0) ',
      ' [0:0_1:0)',
      '[+1:0_2:0)',
      '[1.5:0_2:0)',
      '[0:0_1:0)\u0000',
      `[${'9'.repeat(400)}:0_)`,
      '[0:-1_1:0)',
      '[0:0,1:0)',
      '[0:0\u20131:0)',
      '[\u0660:\u0660_\u0661:\u0660)',
      '[0:0_1:0);DROP TABLE segments',
      'nope',
    ),
    fc
      .tuple(
        validTimerange,
        fc.nat(),
        fc.constantFrom('x', '[', ')', '_', ':', '--', ' ', '\u0000', '9'.repeat(30)),
      )
      .map(([t, at, s]) => t.slice(0, at % (t.length + 1)) + s + t.slice(at % (t.length + 1))),
    fc.string({ unit: fc.constantFrom(...'[]()_:0123456789-+. e'), maxLength: 30 }),
    hostileString,
  )
  .filter((s) => !parseTimeRange(s).ok);

/** Bytes of `value` as UTF-8, every byte outside the unreserved set percent-encoded (lone surrogates become U+FFFD). */
export function percentEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8'))
    out += /[A-Za-z0-9\-._~]/.test(String.fromCharCode(byte))
      ? String.fromCharCode(byte)
      : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/** Percent sequences that break decoders: truncated, invalid UTF-8, lone surrogate, overlong `/`, encoded NUL. */
export const BROKEN_PERCENT = [
  '%',
  '%G1',
  '%E0%A4%A',
  '%ED%A0%80',
  '%C0%AF',
  '%FF',
  '%2F',
  '%252F',
  '%00',
  '%%',
  '%u0041',
];

/** One path segment carrying `value`: encoded properly, with raw ASCII punctuation, or with broken escapes. */
export function pathSegment(value: string): fc.Arbitrary<string> {
  const encoded = percentEncode(value);
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(encoded) },
    // Punctuation node's client allows raw on the request line; the server must cope with it unencoded.
    {
      weight: 1,
      arbitrary: fc.constant(
        encoded.replace(/%(2[27C]|3[CE]|5[BDE]|60|7[BCD])/g, (e) => decodeURIComponent(e)),
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.nat(), fc.constantFrom(...BROKEN_PERCENT))
        .map(
          ([at, bad]) =>
            encoded.slice(0, at % (encoded.length + 1)) + bad + encoded.slice(at % (encoded.length + 1)),
        ),
    },
  );
}

/**
 * How the router reads a path segment: decoded once, or unmatchable. A mutation's path is poisoned
 * only if its id still is not a UUID after this.
 */
export function decodedSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Characters a header value may carry on the wire (node refuses the rest on the client side). */
export const headerSafe = (s: string) => s.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');
