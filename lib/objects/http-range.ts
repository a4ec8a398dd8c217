/**
 * The single-range subset of RFC 9110 §14 the filesystem store serves: `bytes=a-b`, `bytes=a-`, `bytes=-n`.
 * Hand-written because no range parser is a declared dependency and this is twenty lines. A header we do
 * not serve (other units, several ranges, malformed, last < first) is ignored, as the RFC allows: the
 * client gets the whole object with 200.
 */
export type ByteRange =
  | { readonly kind: 'whole' }
  | { readonly kind: 'partial'; readonly start: number; readonly end: number }
  | { readonly kind: 'unsatisfiable' };

const WHOLE: ByteRange = Object.freeze({ kind: 'whole' });
const UNSATISFIABLE: ByteRange = Object.freeze({ kind: 'unsatisfiable' });
const SINGLE_RANGE = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i;

/** The part of an object of `size` bytes that a `Range` header asks for; `end` is inclusive. */
export function parseByteRange(header: string | undefined, size: number): ByteRange {
  if (header === undefined) return WHOLE;
  const m = SINGLE_RANGE.exec(header);
  if (m === null) return WHOLE;
  const first = m[1] ?? '';
  const last = m[2] ?? '';
  if (first === '') {
    if (last === '') return WHOLE;
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return UNSATISFIABLE;
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return WHOLE;
  if (start >= size) return UNSATISFIABLE;
  return { kind: 'partial', start, end };
}
