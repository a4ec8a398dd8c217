/**
 * Internal: proleptic Gregorian calendar arithmetic on bigint day counts since 1970-01-01, after
 * Howard Hinnant's `days_from_civil` / `civil_from_days` (http://howardhinnant.github.io/date_algorithms.html).
 * Integer-only, so it neither loses nanoseconds nor depends on `Date`'s range.
 */

export interface CivilDate {
  readonly year: bigint;
  /** 1..12 */
  readonly month: bigint;
  /** 1..31 */
  readonly day: bigint;
}

export const SECONDS_PER_DAY = 86_400n;

/** Floor division (rounds toward -infinity), which bigint `/` does not do for negative operands. */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** The non-negative remainder matching `floorDiv` (for positive b). */
export function floorMod(a: bigint, b: bigint): bigint {
  return a - floorDiv(a, b) * b;
}

export function daysFromCivil({ year, month, day }: CivilDate): bigint {
  const y = month <= 2n ? year - 1n : year;
  const era = floorDiv(y, 400n);
  const yearOfEra = y - era * 400n;
  const dayOfYear = (153n * (month > 2n ? month - 3n : month + 9n) + 2n) / 5n + day - 1n;
  const dayOfEra = yearOfEra * 365n + yearOfEra / 4n - yearOfEra / 100n + dayOfYear;
  return era * 146_097n + dayOfEra - 719_468n;
}

export function civilFromDays(days: bigint): CivilDate {
  const z = days + 719_468n;
  const era = floorDiv(z, 146_097n);
  const dayOfEra = z - era * 146_097n;
  const yearOfEra = (dayOfEra - dayOfEra / 1460n + dayOfEra / 36_524n - dayOfEra / 146_096n) / 365n;
  const dayOfYear = dayOfEra - (365n * yearOfEra + yearOfEra / 4n - yearOfEra / 100n);
  const mp = (5n * dayOfYear + 2n) / 153n;
  const day = dayOfYear - (153n * mp + 2n) / 5n + 1n;
  const month = mp < 10n ? mp + 3n : mp - 9n;
  const year = yearOfEra + era * 400n + (month <= 2n ? 1n : 0n);
  return { year, month, day };
}

export function daysInMonth(year: bigint, month: bigint): bigint {
  if (month === 2n) {
    const leap = floorMod(year, 4n) === 0n && (floorMod(year, 100n) !== 0n || floorMod(year, 400n) === 0n);
    return leap ? 29n : 28n;
  }
  return month === 4n || month === 6n || month === 9n || month === 11n ? 30n : 31n;
}
