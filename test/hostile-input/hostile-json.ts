import fc from 'fast-check';
import { hostileString, LEAK_WORDS } from './hostile-values.js';

/**
 * Hostile JSON: texts that are not JSON at all, values nested far deeper than any parser's comfort,
 * objects keyed `__proto__` and `constructor`, and values of every JSON type (for "wrong type" bodies).
 */

/** True when no lenient reading (trimmed, BOM stripped) makes `text` JSON either. */
function certainlyNotJson(text: string): boolean {
  for (const candidate of [text, text.trim(), text.replace(/^\uFEFF/, '').trim()]) {
    try {
      JSON.parse(candidate);
      return false;
    } catch {
      // not JSON this way either
    }
  }
  return true;
}

/** Makes `value` JSON whose object keys include `__proto__` (a JS literal would set the prototype instead). */
export function withOwnKey(
  target: Record<string, unknown>,
  key: string,
  value: unknown,
): Record<string, unknown> {
  Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
  return target;
}

export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty'];

/** An object with prototype-ish keys holding objects that would pollute `Object.prototype` if merged naively. */
export const protoObject: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(fc.subarray(PROTO_KEYS, { minLength: 1 }), hostileString)
  .map(([keys, s]) => {
    const o: Record<string, unknown> = {};
    for (const key of keys) withOwnKey(o, key, { polluted: s, isAdmin: true, prototype: { polluted: true } });
    return o;
  });

/** Nesting far deeper than any real body: arrays, objects, or both alternating. */
export const deepJson: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 500, max: 60_000 }), fc.constantFrom('array', 'object', 'mixed'))
  .map(([depth, shape]) => {
    const open = shape === 'array' ? '[' : shape === 'object' ? '{"a":' : '[{"a":';
    const close = shape === 'array' ? ']' : shape === 'object' ? '}' : '}]';
    return `${open.repeat(depth)}1${close.repeat(depth)}`;
  });

/** Any JSON value, hostile strings and prototype keys included. */
export const hostileJsonValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(hostileString, fc.constantFrom(...PROTO_KEYS)), tie('value'), { maxKeys: 4 }),
    protoObject,
  ),
})).value;

/** JSON values of every type but `type` (the JSON type a body must have). */
export function jsonOtherThan(
  type: 'string' | 'number' | 'boolean' | 'object' | 'array',
): fc.Arbitrary<unknown> {
  const byType = {
    string: hostileString,
    number: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
    boolean: fc.boolean(),
    object: fc.oneof(protoObject, fc.dictionary(hostileString, hostileJsonValue, { maxKeys: 3 })),
    array: fc.array(hostileJsonValue, { maxLength: 3 }),
  };
  return fc.oneof(
    ...Object.entries(byType)
      .filter(([t]) => t !== type)
      .map(([, arbitrary]) => arbitrary),
    fc.constant(null),
  );
}

/** Texts that are not JSON: near misses, truncations, garbage, BOMs, comments. */
export const brokenJson: fc.Arbitrary<string> = fc
  .oneof(
    fc.constantFrom(
      '{',
      '[',
      '{"a":}',
      '{"a":1,}',
      '[1,]',
      "{'a':1}",
      '{a:1}',
      'NaN',
      'Infinity',
      '-',
      '+1',
      '01',
      '.5',
      'undefined',
      'tru',
      'nul',
      '"unterminated',
      '"\\x41"',
      '"\\u12"',
      '"\\ud800',
      '// comment\n1',
      '/* c */ {}',
      '1 2',
      '{}{}',
      '\u0000',
      '{"a":1}\u0000',
      '\uFEFF\uFEFF{}',
      '[' + '['.repeat(10_000),
      '{"a":'.repeat(5_000),
      '{"__proto__": }',
      'null null',
      '\x00\x01\x02',
    ),
    fc.tuple(hostileJsonValue, fc.nat()).map(([v, at]) => {
      const text = JSON.stringify(v);
      return text.slice(0, at % Math.max(1, text.length));
    }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
    fc
      .tuple(hostileJsonValue, fc.constantFrom(',', '}', ']', ':', '"', 'x'))
      .map(([v, s]) => JSON.stringify(v) + s),
  )
  // Never empty or blank: an empty body is a case of its own (valid where a body is optional).
  .filter((t) => t.trim() !== '' && certainlyNotJson(t) && !LEAK_WORDS.test(t));

/**
 * A body that is not JSON in the raw: invalid UTF-8 bytes after a JSON-looking start. The server decodes
 * with replacement characters; the result is still not JSON, whatever the prefix.
 */
export const invalidUtf8Json: fc.Arbitrary<Buffer> = fc
  .tuple(
    fc.constantFrom('{"label": ', '"', '[', '{'),
    fc.uint8Array({ minLength: 1, maxLength: 8 }).map((b) => Buffer.from(b.map((x) => 0x80 | x))),
  )
  .map(([head, bytes]) => Buffer.concat([Buffer.from(head), Buffer.from([0xff, 0xfe]), bytes]))
  .filter((b) => certainlyNotJson(b.toString('utf8')));

/** JSON text of `value`, which may hold `__proto__` keys (defined as own properties). */
export const json = (value: unknown) => JSON.stringify(value);

/**
 * Byte sequences that are not UTF-8: a lone continuation byte, 0xFE/0xFF, Latin-1 `é`, overlong forms,
 * an encoded surrogate (CESU-8), a code point past U+10FFFF, a truncated sequence. A lenient decoder
 * turns each into U+FFFD, so JSON around them still parses: only a strict decoder notices.
 */
export const INVALID_UTF8: readonly (readonly number[])[] = [
  [0x80],
  [0xff],
  [0xfe, 0xff],
  [0xe9],
  [0xc0, 0xaf],
  [0xe0, 0x80, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xc3],
  [0xe2, 0x82],
];

/** JSON escapes of lone surrogates (well-formed JSON, but not text): high or low alone, or reversed. */
export const LONE_SURROGATE_ESCAPES: readonly string[] = [
  '\\ud800',
  '\\udbff',
  '\\udc00',
  '\\udfff',
  '\\ud83dx',
  '\\udc00\\ud800',
];

/** Put in a string of a value where `notUnicode` will swap in something that is not text. */
export const NOT_UNICODE_MARKER = 'zzNOTUNICODEzz';

/**
 * JSON text of `value` with the first NOT_UNICODE_MARKER replaced by raw bytes that are not UTF-8 or by
 * a lone surrogate escape: a body a lenient server would decode and accept (its text mangled).
 */
export function notUnicode(value: unknown): fc.Arbitrary<{ body: Buffer; intent: string }> {
  const text = json(value);
  const at = text.indexOf(NOT_UNICODE_MARKER);
  if (at < 0) throw new Error('notUnicode: the value holds no marker');
  const [before, after] = [text.slice(0, at), text.slice(at + NOT_UNICODE_MARKER.length)];
  return fc.oneof(
    fc.constantFrom(...INVALID_UTF8).map((bytes) => ({
      body: Buffer.concat([Buffer.from(before), Buffer.from(bytes), Buffer.from(after)]),
      intent: `bytes ${bytes.map((b) => b.toString(16)).join(' ')} (not UTF-8) in a JSON string`,
    })),
    fc.constantFrom(...LONE_SURROGATE_ESCAPES).map((escape) => ({
      body: Buffer.from(`${before}${escape}${after}`),
      intent: `a lone surrogate escape ${escape} in a JSON string`,
    })),
  );
}
