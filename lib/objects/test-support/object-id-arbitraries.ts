import fc from 'fast-check';

/**
 * Object ids for property tests, built from the pieces that break stores and URLs: dot segments, slashes,
 * blanks, percent-encodings (also of dots and slashes), Unicode (astral, combining, right-to-left,
 * invisible), control characters, lone surrogates, URL delimiters, and very long runs. Most generated ids
 * are invalid; `validObjectIdArb` keeps the valid ones by construction (no filter that could starve).
 */

const DELIMITERS = ['/', '?', '#', '&', '=', '+', ';', ',', '@', ':', '\\', '*', '~', '"', "'", '<', '>'];
const DOTS = [
  '.',
  '..',
  '...',
  './',
  '../',
  '/.',
  '/..',
  '/./',
  '/../',
  '%2e',
  '%2E%2e',
  '.%2e',
  '%2F',
  '%252F',
];
const BLANKS = [' ', '  ', '\u00A0', '\u2028', '\u3000', '\uFEFF'];
const UNICODE = [
  'é',
  'e\u0301',
  'ß',
  '日本',
  '😀',
  '\u{10FFFF}',
  '\u202E',
  '\u200B',
  '\uFFFD',
  '\uFFFE',
  'İ',
];
const CONTROLS = ['\0', '\t', '\n', '\r', '\x1b', '\x7f', '\u0085', '\u009f'];
const SURROGATES = ['\uD800', '\uDBFF', '\uDC00', '\uDFFF'];
const PERCENT = ['%', '%%', '%zz', '%00', '%ff', '%FF%FE', '%C3%A9', '%F0%9F%98%80', '%ED%A0%80'];

const piece = fc.oneof(
  { weight: 3, arbitrary: fc.string({ minLength: 1, maxLength: 8 }) },
  { weight: 2, arbitrary: fc.constantFrom(...DOTS) },
  { weight: 2, arbitrary: fc.constantFrom(...DELIMITERS) },
  { weight: 1, arbitrary: fc.constantFrom(...BLANKS) },
  { weight: 2, arbitrary: fc.constantFrom(...UNICODE) },
  { weight: 1, arbitrary: fc.constantFrom(...CONTROLS) },
  { weight: 1, arbitrary: fc.constantFrom(...SURROGATES) },
  { weight: 1, arbitrary: fc.constantFrom(...PERCENT) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }) },
);

/** Any id, valid or not: mostly short, sometimes around the 1024-byte limit. */
export const anyObjectIdArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 9, arbitrary: fc.array(piece, { minLength: 0, maxLength: 8 }).map((p) => p.join('')) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('x', 'é', '😀', 'a/'), fc.integer({ min: 250, max: 1100 }), piece)
      .map(([unit, n, tail]) => unit.repeat(n) + tail),
  },
);

/** A segment that is certainly valid: it holds a character that is neither blank nor a dot. */
const goodSegment = fc
  .tuple(
    fc.array(
      fc.oneof(
        fc.constantFrom('.', '..', ' ', '%2e', '%2F', '?', '#', '+', '%', '\\', ...UNICODE),
        fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 6 }),
      ),
      { maxLength: 4 },
    ),
    fc.constantFrom('a', 'Z', '0', '_', '-', '~', 'é', '😀', '日'),
    fc.array(fc.constantFrom('.', '..', ' ', 'x', '%2e', '&=', 'ü'), { maxLength: 3 }),
  )
  .map(([before, anchor, after]) => before.join('') + anchor + after.join(''))
  .map((s) => s.replace(/[\p{Cc}/]/gu, '_'));

/** Valid ids only (every rule of object-id.ts holds), up to a few hundred bytes. */
export const validObjectIdArb: fc.Arbitrary<string> = fc
  .array(goodSegment, { minLength: 1, maxLength: 5 })
  .map((segments) => segments.join('/'));
