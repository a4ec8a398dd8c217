import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertObjectId, objectIdProblem } from './object-id.js';
import { anyObjectIdArb, validObjectIdArb } from './test-support/object-id-arbitraries.js';

/** The rules of object-id.ts restated independently, segment by segment and code point by code point. */
function isValidId(id: string): boolean {
  if (id.length === 0 || Buffer.byteLength(id, 'utf8') > 1024) return false;
  if (Buffer.from(id, 'utf8').toString('utf8') !== id) return false; // a lone surrogate became U+FFFD
  for (const ch of id) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return false;
  }
  return id
    .split('/')
    .every((segment) => !['', '.', '..'].includes(segment.trim()) && Buffer.byteLength(segment) <= 255);
}

/** The path a WHATWG URL client (fetch) sends for `path`, which it normalises first. */
const sentPath = (path: string) => new URL(`http://store.example${path}`).pathname;
/** The filesystem store's URL path, and S3's (each segment encoded, `/` kept). */
const filesystemPath = (id: string) => `/object-store/${encodeURIComponent(id)}`;
const s3Path = (id: string) => `/bucket/${id.split('/').map(encodeURIComponent).join('/')}`;

describe('object ids', () => {
  it.each([
    'a',
    'bucket/9d1c7c4e-0f1a-4b7e-9a55-2d8f0f3b1c11',
    '...',
    '.hidden/..x/x../ a b /...',
    '%2e%2e',
    '%2F..%2F',
    'ünï 😀 +%?#&=\\',
    '\u202Eevil\u200B\uFEFF',
    `${'x'.repeat(254)}/`.repeat(4) + 'x'.repeat(4),
    `${'é'.repeat(127)}/`.repeat(4) + 'éé',
    'x'.repeat(255),
    `a/${'😀'.repeat(63)}`,
  ])('accepts %j', (id) => {
    expect(objectIdProblem(id)).toBeUndefined();
  });

  it.each([
    ['', /empty/],
    ['.', /segment/],
    ['..', /segment/],
    ['a/.', /segment/],
    ['c/./d', /segment/],
    ['../x', /segment/],
    ['a/../b', /segment/],
    [' .. /x', /segment/],
    ['a/\t./b', /control/],
    ['a/ \u00a0/b', /segment/],
    ['/leading', /segment/],
    ['trailing/', /segment/],
    ['double//slash', /segment/],
    ['/', /segment/],
    [' ', /segment/],
    ['a\0b', /control character U\+0000/],
    ['a\nb', /control character U\+000A/],
    ['a\x7fb', /control character U\+007F/],
    ['a\u0085b', /control character U\+0085/],
    ['\uDC00x', /surrogate/],
    ['x\uD800', /surrogate/],
    ['x'.repeat(1025), /longer than 1024 bytes/],
    ['é'.repeat(513), /longer than 1024 bytes/],
    ['x'.repeat(256), /segment between slashes longer than 255 bytes/],
    [`a/${'é'.repeat(128)}/b`, /segment between slashes longer than 255 bytes/],
    [`a/${'😀'.repeat(64)}`, /segment between slashes longer than 255 bytes/],
    [42, /must be a string/],
  ])('refuses %j', (id, message) => {
    expect(objectIdProblem(id)).toMatch(message);
    expect(() => assertObjectId(id)).toThrow(expect.objectContaining({ code: 'INVALID_OBJECT_ID' }));
  });

  it('accepts exactly the ids the rules describe, over generated hostile ids', () => {
    fc.assert(
      fc.property(anyObjectIdArb, (id) => {
        expect(objectIdProblem(id) === undefined).toBe(isValidId(id));
      }),
      { numRuns: 3000 },
    );
  });

  it('generates valid ids that are valid', () => {
    fc.assert(
      fc.property(validObjectIdArb, (id) => objectIdProblem(id) === undefined),
      { numRuns: 1000 },
    );
  });

  it('valid ids reach both stores unchanged through a URL client; dot segments would not', () => {
    fc.assert(
      fc.property(anyObjectIdArb, (id) => {
        if (objectIdProblem(id) === undefined) {
          expect(sentPath(filesystemPath(id))).toBe(filesystemPath(id));
          expect(sentPath(s3Path(id))).toBe(s3Path(id));
        }
      }),
      { numRuns: 3000 },
    );
    // Why the segment rule exists: fetch rewrites these paths before sending them.
    for (const id of ['.', '..', 'a/.', 'c/./d', 'a/../b']) expect(sentPath(s3Path(id))).not.toBe(s3Path(id));
    expect(sentPath(filesystemPath('..'))).not.toBe(filesystemPath('..'));
  });

  it('quotes hostile ids truncated and escaped', () => {
    const problem = objectIdProblem(`${'x'.repeat(2000)}\0`) ?? '';
    expect(problem.length).toBeLessThan(200);
  });
});
