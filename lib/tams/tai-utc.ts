/**
 * Conversion between TAMS TAI timestamps (bigint ns since 1970-01-01T00:00:00 TAI) and RFC 3339 UTC
 * date-times, for display and analytics only: the API never converts stored timestamps. Leap-second
 * handling and the pre-1972 convention follow mediatimestamp; see leap-seconds.ts.
 */
import { civilFromDays, daysFromCivil, daysInMonth, floorDiv, SECONDS_PER_DAY } from './civil-date.js';
import { describeValue } from './describe-value.js';
import { LEAP_SECONDS, locateTai, taiFromUnixNs } from './leap-seconds.js';
import { fail, ok } from './result.js';
import type { Result } from './result.js';
import { formatTimestamp, NS_PER_SECOND } from './timestamp.js';

export { LEAP_SECONDS, taiFromUnixNs, taiMinusUtcAt, unixNsFromTai } from './leap-seconds.js';
export type { LeapSecondEntry } from './leap-seconds.js';

/** Supported calendar years. Far beyond any media, but keeps output bounded and in ISO 8601 form. */
export const MIN_UTC_YEAR = -100_000n;
export const MAX_UTC_YEAR = 100_000n;

const NS_PER_DAY = SECONDS_PER_DAY * NS_PER_SECOND;
const MIN_UNIX_NS = daysFromCivil({ year: MIN_UTC_YEAR, month: 1n, day: 1n }) * NS_PER_DAY;
const END_UNIX_NS = daysFromCivil({ year: MAX_UTC_YEAR + 1n, month: 1n, day: 1n }) * NS_PER_DAY;

export interface FormatUtcOptions {
  /** 'trim' (default) drops trailing zeros of the fraction, and the '.' when it is zero; 'nanos' prints 9 digits. */
  readonly fraction?: 'trim' | 'nanos';
}

/**
 * RFC 3339 UTC (`…Z`) for a TAI instant; an instant inside a leap second prints as `23:59:60.…`.
 * Years outside 0000-9999 use the ISO 8601 expanded form (`+010000`, `-000001`) as ECMAScript does.
 * Throws RangeError outside years ±100000, and for the nine TAI seconds before 1972-01-01 that have no
 * UTC label under the TAI−UTC = 0 before 1972 convention (see leap-seconds.ts).
 */
export function formatUtc(taiNs: bigint, opts: FormatUtcOptions = {}): string {
  const position = locateTai(taiNs);
  if (position.kind === 'unlabelled') {
    throw new RangeError(
      `TAI ${formatTimestamp(taiNs)} has no UTC representation: it falls in the step of TAI−UTC from 0 to ` +
        `${position.entry.taiMinusUtc} s at ${position.entry.utc} (TAI−UTC is taken as 0 before 1972)`,
    );
  }
  const leap = position.kind === 'leap-second';
  const unixNs = leap
    ? (position.entry.unixSeconds - 1n) * NS_PER_SECOND + position.nanosIntoLeap
    : position.unixNs;
  if (unixNs < MIN_UNIX_NS || unixNs >= END_UNIX_NS) {
    throw new RangeError(
      `TAI ${formatTimestamp(taiNs)} is outside the supported UTC years ${MIN_UTC_YEAR}..${MAX_UTC_YEAR}`,
    );
  }
  const seconds = floorDiv(unixNs, NS_PER_SECOND);
  const nanos = unixNs - seconds * NS_PER_SECOND;
  const days = floorDiv(seconds, SECONDS_PER_DAY);
  const secondOfDay = seconds - days * SECONDS_PER_DAY;
  const { year, month, day } = civilFromDays(days);
  const hh = pad(secondOfDay / 3600n, 2);
  const mm = pad((secondOfDay % 3600n) / 60n, 2);
  // A leap second is 23:59:60, the second after the last POSIX second (23:59:59) of its day.
  const ss = pad((secondOfDay % 60n) + (leap ? 1n : 0n), 2);
  return `${formatYear(year)}-${pad(month, 2)}-${pad(day, 2)}T${hh}:${mm}:${ss}${formatFraction(nanos, opts)}Z`;
}

const UTC_PATTERN =
  /^([+-][0-9]{6}|[0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?([Zz]|[+-][0-9]{2}:[0-9]{2})$/;

const EXPECTED =
  'expected an RFC 3339 date-time such as "2023-09-11T10:46:50Z" or "2023-09-11T11:46:50.04+01:00"';

/**
 * Parses an RFC 3339 date-time (plus the ISO 8601 expanded years that `formatUtc` emits) into TAI ns.
 * Fractions beyond nanoseconds are an issue rather than silently truncated; second 60 is accepted only
 * at an actual leap second, in any offset (e.g. `2016-12-31T18:59:60-05:00`).
 */
export function parseUtc(text: string): Result<bigint> {
  const match = typeof text === 'string' ? UTC_PATTERN.exec(text) : null;
  if (match === null) return invalid(text, EXPECTED);
  const [, yearText = '', monthText = '', dayText = '', hourText = '', minuteText = '', secondText = ''] =
    match;
  const fractionText = match[7] ?? '';
  const offsetText = match[8] ?? 'Z';
  if (fractionText.length > 9) {
    return invalid(text, `at most 9 fractional-second digits (nanoseconds) are supported; not truncating`);
  }
  if (yearText === '-000000') return invalid(text, 'year -000000 is not valid ISO 8601; write 0000');
  const year = BigInt(yearText);
  if (year < MIN_UTC_YEAR || year > MAX_UTC_YEAR) {
    return fail('OUT_OF_RANGE', `Date-time ${describeValue(text)} is outside the supported years ±100000`);
  }
  const month = BigInt(monthText);
  const day = BigInt(dayText);
  const hour = BigInt(hourText);
  const minute = BigInt(minuteText);
  const second = BigInt(secondText);
  if (month < 1n || month > 12n) return invalid(text, 'the month must be 01-12');
  if (day < 1n || day > daysInMonth(year, month)) {
    return invalid(text, `the day must be 01-${daysInMonth(year, month)} for that month`);
  }
  if (hour > 23n) return invalid(text, 'the hour must be 00-23');
  if (minute > 59n) return invalid(text, 'the minute must be 00-59');
  if (second > 60n) return invalid(text, 'the second must be 00-60');
  const offset = parseOffsetSeconds(offsetText);
  if (offset === null) return invalid(text, 'the UTC offset must be Z or ±hh:mm with hh 00-23 and mm 00-59');

  const fractionNs = BigInt(fractionText.padEnd(9, '0'));
  const isLeap = second === 60n;
  // A leap second is the second after 59 of its minute: locate that 59, then step into the leap.
  const localSeconds = daysFromCivil({ year, month, day }) * SECONDS_PER_DAY + hour * 3600n + minute * 60n;
  const unixSeconds = localSeconds + (isLeap ? 59n : second) - offset;
  if (isLeap) {
    const entry = LEAP_SECONDS.find((e) => e.unixSeconds === unixSeconds + 1n);
    if (entry === undefined) {
      return invalid(
        text,
        'second 60 is only valid during an inserted leap second (23:59:60 UTC on the day before a change ' +
          'of TAI−UTC in the IERS table, e.g. 2016-12-31T23:59:60Z)',
      );
    }
    return ok((unixSeconds + entry.taiMinusUtc) * NS_PER_SECOND + fractionNs);
  }
  const unixNs = unixSeconds * NS_PER_SECOND + fractionNs;
  if (unixNs < MIN_UNIX_NS || unixNs >= END_UNIX_NS) {
    return fail('OUT_OF_RANGE', `Date-time ${describeValue(text)} is outside the supported years ±100000`);
  }
  return ok(taiFromUnixNs(unixNs));
}

/**
 * The current TAI time from the wall clock (`Date.now()`), so millisecond resolution: the last six
 * digits of the nanoseconds are always zero. Accuracy is that of the host's NTP-disciplined clock.
 */
export function nowTai(): bigint {
  return taiFromUnixNs(BigInt(Date.now()) * 1_000_000n);
}

function invalid(text: unknown, expected: string): Result<never> {
  return fail('INVALID_UTC', `Invalid date-time ${describeValue(text)}: ${expected}`);
}

/** Seconds east of UTC, or null when hours or minutes are out of range. */
function parseOffsetSeconds(offset: string): bigint | null {
  if (offset === 'Z' || offset === 'z') return 0n;
  const hours = BigInt(offset.slice(1, 3));
  const minutes = BigInt(offset.slice(4, 6));
  if (hours > 23n || minutes > 59n) return null;
  return (offset.startsWith('-') ? -1n : 1n) * (hours * 3600n + minutes * 60n);
}

function pad(n: bigint, width: number): string {
  return n.toString().padStart(width, '0');
}

function formatYear(year: bigint): string {
  if (year >= 0n && year <= 9999n) return pad(year, 4);
  return `${year < 0n ? '-' : '+'}${pad(year < 0n ? -year : year, 6)}`;
}

function formatFraction(nanos: bigint, opts: FormatUtcOptions): string {
  const digits = pad(nanos, 9);
  if (opts.fraction === 'nanos') return `.${digits}`;
  const trimmed = digits.replace(/0+$/, '');
  return trimmed === '' ? '' : `.${trimmed}`;
}
