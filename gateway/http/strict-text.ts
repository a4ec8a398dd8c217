/**
 * Request text must be well-formed Unicode, checked where it is decoded. Lenient decoding (Buffer's
 * `toString('utf8')`, URLSearchParams, Apollo's query-string parsing) turns invalid UTF-8 into U+FFFD
 * without a word, so a label sent as Latin-1 would be stored mangled and nobody would know; by the time
 * JSON is parsed the evidence is gone. A JSON escape can also produce a lone UTF-16 surrogate
 * (`"\ud800"`), which has no UTF-8 form: PostgreSQL text cannot hold it, and JSON.stringify writes it
 * back out as an escape other decoders reject. Both are refused with a 400 naming what was wrong.
 */

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The bytes as text, or undefined when they are not UTF-8. Keeps a BOM (JSON bodies must not have one). */
export function strictUtf8(bytes: Uint8Array): string | undefined {
  try {
    return UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Why a raw query string (as it arrives: ASCII, percent-encoded) does not percent-decode to UTF-8, or
 * undefined when it does. `%` not followed by two hex digits is left as it is, as URLSearchParams does.
 */
export function queryStringProblem(raw: string): string | undefined {
  if (!raw.includes('%')) return undefined;
  const bytes = new Uint8Array(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x25 && i + 2 < raw.length && isHex(raw.charCodeAt(i + 1)) && isHex(raw.charCodeAt(i + 2))) {
      bytes[n++] = parseInt(raw.slice(i + 1, i + 3), 16);
      i += 2;
    } else if (c < 0x80) bytes[n++] = c;
    // Node refuses raw non-ASCII bytes in a request target, so only percent-escapes can carry them.
    else return 'the query string holds characters that are not percent-encoded';
  }
  if (strictUtf8(bytes.subarray(0, n)) === undefined)
    return 'the query string percent-decodes to bytes that are not UTF-8; percent-encode text as UTF-8';
  return undefined;
}

const isHex = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Only JSON text with a `\uD8..`-`\uDF..` escape can parse to a lone surrogate (raw ones are not UTF-8). */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/**
 * Where in a parsed JSON value a string (or an object key) holds a lone surrogate, as a path such as
 * `segments[2].label`, or undefined when there is none. Iterative: nesting depth cannot overflow it.
 */
export function loneSurrogatePath(value: unknown): string | undefined {
  const stack: { value: unknown; path: string }[] = [{ value, path: '' }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value: v, path } = item;
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) return path || '(the value)';
    } else if (Array.isArray(v)) {
      v.forEach((element, i) => stack.push({ value: element, path: `${path}[${i}]` }));
    } else if (typeof v === 'object' && v !== null) {
      for (const [key, element] of Object.entries(v)) {
        const at = path ? `${path}.${key}` : key;
        if (LONE_SURROGATE.test(key)) return `${at} (its name)`;
        stack.push({ value: element, path: at });
      }
    }
  }
  return undefined;
}

/**
 * Why JSON text parses to a value holding a lone surrogate, or undefined when it does not (or does not
 * parse at all: whoever parses it reports that). For JSON that someone else parses (Apollo's GET
 * parameters).
 */
export function surrogateProblem(text: string, what: string): string | undefined {
  if (!SURROGATE_ESCAPE.test(text)) return undefined;
  try {
    return surrogateProblemIn(JSON.parse(text) as unknown, what);
  } catch {
    return undefined;
  }
}

function surrogateProblemIn(value: unknown, what: string): string | undefined {
  const at = loneSurrogatePath(value);
  return at === undefined
    ? undefined
    : `${what} holds a lone UTF-16 surrogate escape at ${at.slice(0, 200)}, which is not text`;
}

/**
 * Parses JSON text, then refuses lone surrogates in it. Returns the value, or why it is refused.
 * The scan only runs when the text has a surrogate escape at all, so ordinary bodies pay one regex test.
 */
export function parseStrictJson(
  text: string,
  what = 'the request body',
): { ok: true; value: unknown } | { ok: false; problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    return { ok: false, problem: `${what} is not valid JSON` };
  }
  const problem = SURROGATE_ESCAPE.test(text) ? surrogateProblemIn(value, what) : undefined;
  return problem === undefined ? { ok: true, value } : { ok: false, problem };
}
