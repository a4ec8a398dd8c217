/**
 * The TAI−UTC offset table and the TAI <-> POSIX (unix) time mapping, following BBC's mediatimestamp
 * (`constants.UTC_LEAP`, `Timestamp.from_unix`, `Timestamp.to_unix`). TAMS timestamps are TAI with the
 * PTP epoch (1970-01-01T00:00:00 TAI), so TAI = unix + (TAI−UTC). The API itself never converts: this is
 * for display and analytics only.
 *
 * Before 1972 UTC ran at a varying rate against TAI ("rubber seconds") and has no integer offset; like
 * mediatimestamp we take TAI−UTC = 0 before 1972-01-01. The consequence is a 10 s step at 1972-01-01:
 * its last second is shown as the leap second 1971-12-31T23:59:60 (as mediatimestamp does), and the nine
 * TAI seconds before it have no UTC label at all.
 */
import { NS_PER_SECOND } from './timestamp.js';

export interface LeapSecondEntry {
  /** YYYY-MM-DD (UTC) on which the new offset starts; the leap second is 23:59:60 on the day before. */
  readonly utc: string;
  /** POSIX seconds of 00:00:00 UTC on that day. */
  readonly unixSeconds: bigint;
  /** TAI−UTC in whole seconds from that day on. */
  readonly taiMinusUtc: bigint;
}

/**
 * The IERS table of TAI−UTC since 1972 (IERS Bulletin C; also the IANA tzdata `leap-seconds.list`).
 * Current as of IERS Bulletin C 70 (July 2025; tzdata's copy expires 2026-06-28): no leap second has been
 * inserted since 2016-12-31 and none has been announced.
 * To update: when a Bulletin C announces a leap second, append `{ utc, unixSeconds, taiMinusUtc }` for the
 * day after it (unixSeconds = days since 1970-01-01 × 86400, taiMinusUtc = previous + 1) and extend the
 * tests. The code assumes every step is positive; a negative leap second would need new handling.
 */
export const LEAP_SECONDS: ReadonlyArray<LeapSecondEntry> = Object.freeze(
  (
    [
      ['1972-01-01', 63_072_000n, 10n],
      ['1972-07-01', 78_796_800n, 11n],
      ['1973-01-01', 94_694_400n, 12n],
      ['1974-01-01', 126_230_400n, 13n],
      ['1975-01-01', 157_766_400n, 14n],
      ['1976-01-01', 189_302_400n, 15n],
      ['1977-01-01', 220_924_800n, 16n],
      ['1978-01-01', 252_460_800n, 17n],
      ['1979-01-01', 283_996_800n, 18n],
      ['1980-01-01', 315_532_800n, 19n],
      ['1981-07-01', 362_793_600n, 20n],
      ['1982-07-01', 394_329_600n, 21n],
      ['1983-07-01', 425_865_600n, 22n],
      ['1985-07-01', 489_024_000n, 23n],
      ['1988-01-01', 567_993_600n, 24n],
      ['1990-01-01', 631_152_000n, 25n],
      ['1991-01-01', 662_688_000n, 26n],
      ['1992-07-01', 709_948_800n, 27n],
      ['1993-07-01', 741_484_800n, 28n],
      ['1994-07-01', 773_020_800n, 29n],
      ['1996-01-01', 820_454_400n, 30n],
      ['1997-07-01', 867_715_200n, 31n],
      ['1999-01-01', 915_148_800n, 32n],
      ['2006-01-01', 1_136_073_600n, 33n],
      ['2009-01-01', 1_230_768_000n, 34n],
      ['2012-07-01', 1_341_100_800n, 35n],
      ['2015-07-01', 1_435_708_800n, 36n],
      ['2017-01-01', 1_483_228_800n, 37n],
    ] as const
  ).map(([utc, unixSeconds, taiMinusUtc]) => Object.freeze({ utc, unixSeconds, taiMinusUtc })),
);

/** TAI−UTC in seconds in force at a UTC instant given as POSIX nanoseconds (0 before 1972). */
export function taiMinusUtcAt(unixNs: bigint): bigint {
  for (let i = LEAP_SECONDS.length - 1; i >= 0; i--) {
    const entry = LEAP_SECONDS[i];
    if (entry !== undefined && unixNs >= entry.unixSeconds * NS_PER_SECOND) return entry.taiMinusUtc;
  }
  return 0n;
}

export function taiFromUnixNs(unixNs: bigint): bigint {
  return unixNs + taiMinusUtcAt(unixNs) * NS_PER_SECOND;
}

/**
 * Where a TAI instant falls on the UTC timeline:
 * - 'regular': an ordinary UTC instant, `unixNs` being its POSIX time;
 * - 'leap-second': inside the inserted second labelled 23:59:60 on the day before `entry.utc`;
 * - 'unlabelled': inside the part of a multi-second step that has no UTC label (only the 1972 step).
 */
export type TaiPosition =
  | { readonly kind: 'regular'; readonly unixNs: bigint }
  | { readonly kind: 'leap-second'; readonly entry: LeapSecondEntry; readonly nanosIntoLeap: bigint }
  | { readonly kind: 'unlabelled'; readonly entry: LeapSecondEntry };

export function locateTai(taiNs: bigint): TaiPosition {
  for (let i = LEAP_SECONDS.length - 1; i >= 0; i--) {
    const entry = LEAP_SECONDS[i];
    if (entry === undefined) continue;
    const previousOffset = LEAP_SECONDS[i - 1]?.taiMinusUtc ?? 0n;
    const afterStep = (entry.unixSeconds + entry.taiMinusUtc) * NS_PER_SECOND;
    if (taiNs >= afterStep) return { kind: 'regular', unixNs: taiNs - entry.taiMinusUtc * NS_PER_SECOND };
    const leapStart = afterStep - NS_PER_SECOND;
    if (taiNs >= leapStart) return { kind: 'leap-second', entry, nanosIntoLeap: taiNs - leapStart };
    if (taiNs >= (entry.unixSeconds + previousOffset) * NS_PER_SECOND) return { kind: 'unlabelled', entry };
  }
  return { kind: 'regular', unixNs: taiNs };
}

/**
 * POSIX nanoseconds of a TAI instant; the inverse of `taiFromUnixNs` outside leap seconds. POSIX time
 * cannot represent an inserted second, so an instant inside one maps to the last POSIX second before
 * the step, keeping its sub-second part (POSIX clocks repeat that second).
 */
export function unixNsFromTai(taiNs: bigint): bigint {
  const position = locateTai(taiNs);
  if (position.kind === 'regular') return position.unixNs;
  const subSecond = ((taiNs % NS_PER_SECOND) + NS_PER_SECOND) % NS_PER_SECOND;
  return (position.entry.unixSeconds - 1n) * NS_PER_SECOND + subSecond;
}
