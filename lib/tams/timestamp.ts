/**
 * TAMS 7.0 timestamps (`S:timestamp.json`, AN0008): `[-]seconds:nanoseconds` on a linear timescale
 * (TAI with the PTP epoch by convention). Held as bigint nanoseconds: a TAI "now" is about 1.7e18 ns,
 * far beyond what a JS number represents exactly, and seconds have no upper limit.
 */
import { describeValue } from './describe-value.js';
import { fail, ok, unwrap } from './result.js';
import type { Result } from './result.js';

export const NS_PER_SECOND = 1_000_000_000n;

/** Exactly the 7.0 schema pattern: no leading zeros, nanoseconds an integer count of at most 9 digits. */
const TIMESTAMP_PATTERN = /^(-?)(0|[1-9][0-9]*):(0|[1-9][0-9]{0,8})$/;

const EXPECTED = 'expected [-]<seconds>:<nanoseconds> with no leading zeros, e.g. "10:0" or "-1:500000000"';

/**
 * Parses a timestamp into nanoseconds. The nanosecond part is a count, not a decimal fraction
 * (`1:5` is 1 s + 5 ns), and the sign negates the whole value (`-0:500000000` is -0.5 s; `-0:0` is 0).
 */
export function parseTimestamp(text: string): Result<bigint> {
  const match = typeof text === 'string' ? TIMESTAMP_PATTERN.exec(text) : null;
  if (match === null) {
    return fail('INVALID_TIMESTAMP', `Invalid timestamp ${describeValue(text)}: ${hint(text)}`);
  }
  const [, sign, seconds = '0', nanos = '0'] = match;
  const magnitude = BigInt(seconds) * NS_PER_SECOND + BigInt(nanos);
  return ok(sign === '-' ? -magnitude : magnitude);
}

/** Canonical form: '-' only for negative values, so parse(format(n)) === n and format(parse(x)) === x. */
export function formatTimestamp(ns: bigint): string {
  const negative = ns < 0n;
  const magnitude = negative ? -ns : ns;
  return `${negative ? '-' : ''}${magnitude / NS_PER_SECOND}:${magnitude % NS_PER_SECOND}`;
}

/** Throwing convenience for trusted input; see `parseTimestamp`. */
export function timestamp(text: string): bigint {
  return unwrap(parseTimestamp(text));
}

export function compareTimestamps(a: bigint, b: bigint): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Names the most likely mistake, since "does not match the pattern" alone rarely helps a client. */
function hint(text: unknown): string {
  if (typeof text !== 'string') return `a timestamp must be a string; ${EXPECTED}`;
  const parts = /^-?([0-9]+)[:.]([0-9]+)$/.exec(text);
  if (parts !== null) {
    const [, seconds = '', nanos = ''] = parts;
    if (text.includes('.')) return `seconds and nanoseconds are separated by ':', not '.'; ${EXPECTED}`;
    if (nanos.length > 9 || (nanos.length > 1 && nanos.startsWith('0'))) {
      return `the nanosecond part is an integer count 0..999999999 without leading zeros, not a decimal fraction; ${EXPECTED}`;
    }
    if (seconds.length > 1 && seconds.startsWith('0')) {
      return `the seconds must not have leading zeros; ${EXPECTED}`;
    }
  }
  return EXPECTED;
}
