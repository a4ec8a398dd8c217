import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { daysFromCivil } from './civil-date.js';
import {
  formatUtc,
  LEAP_SECONDS,
  MAX_UTC_YEAR,
  MIN_UTC_YEAR,
  nowTai,
  parseUtc,
  taiFromUnixNs,
  taiMinusUtcAt,
  unixNsFromTai,
} from './tai-utc.js';
import { NS_PER_SECOND, timestamp } from './timestamp.js';

const S = NS_PER_SECOND;
const utc = (text: string): bigint => {
  const r = parseUtc(text);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};
const issue = (text: string): { code: string; message: string } | undefined => {
  const r = parseUtc(text);
  return r.ok ? undefined : r.error;
};

const MIN_TAI = daysFromCivil({ year: MIN_UTC_YEAR, month: 1n, day: 1n }) * 86_400n * S;
const MAX_TAI = daysFromCivil({ year: MAX_UTC_YEAR + 1n, month: 1n, day: 1n }) * 86_400n * S + 36n * S;
/** The nine TAI seconds before the 1971-12-31T23:59:60 "leap" that have no UTC label (TAI−UTC 0 -> 10). */
const UNLABELLED_1972 = { from: 63_072_000n * S, to: 63_072_009n * S };

describe('LEAP_SECONDS', () => {
  it('is the IERS table from 10 s in 1972 to 37 s in 2017, one second per step after the first', () => {
    expect(LEAP_SECONDS).toHaveLength(28);
    expect(LEAP_SECONDS[0]).toEqual({ utc: '1972-01-01', unixSeconds: 63_072_000n, taiMinusUtc: 10n });
    expect(LEAP_SECONDS.at(-1)).toEqual({ utc: '2017-01-01', unixSeconds: 1_483_228_800n, taiMinusUtc: 37n });
    for (const [i, entry] of LEAP_SECONDS.entries()) {
      const [year, month, day] = entry.utc.split('-').map(BigInt);
      expect(entry.unixSeconds).toBe(daysFromCivil({ year: year!, month: month!, day: day! }) * 86_400n);
      expect(day).toBe(1n);
      expect([1n, 7n]).toContain(month);
      if (i > 0) expect(entry.taiMinusUtc - LEAP_SECONDS[i - 1]!.taiMinusUtc).toBe(1n);
    }
    expect(Object.isFrozen(LEAP_SECONDS)).toBe(true);
  });
});

describe('taiMinusUtcAt / taiFromUnixNs / unixNsFromTai', () => {
  it('uses 0 before 1972 (as mediatimestamp does), then the table', () => {
    expect(taiMinusUtcAt(-1n)).toBe(0n);
    expect(taiMinusUtcAt(63_072_000n * S - 1n)).toBe(0n);
    expect(taiMinusUtcAt(63_072_000n * S)).toBe(10n);
    expect(taiMinusUtcAt(1_483_228_800n * S - 1n)).toBe(36n);
    expect(taiMinusUtcAt(1_483_228_800n * S)).toBe(37n);
    expect(taiMinusUtcAt(1_700_000_000n * S)).toBe(37n);
  });

  it('maps an instant inside a leap second to the last POSIX second before it', () => {
    expect(unixNsFromTai(1_483_228_836_500_000_000n)).toBe(1_483_228_799_500_000_000n);
    expect(unixNsFromTai(1_483_228_837n * S)).toBe(1_483_228_800n * S);
    expect(unixNsFromTai(63_072_004_250_000_000n)).toBe(63_071_999_250_000_000n);
  });

  it('unixNsFromTai inverts taiFromUnixNs, which is strictly increasing', () => {
    const arbUnix = fc.oneof(
      fc.bigInt({ min: MIN_TAI, max: MAX_TAI - 40n * S }),
      fc.bigInt({ min: 0n, max: 1_800_000_000n * S }),
    );
    fc.assert(
      fc.property(arbUnix, arbUnix, (u, v) => {
        expect(unixNsFromTai(taiFromUnixNs(u))).toBe(u);
        if (u < v) expect(taiFromUnixNs(u) < taiFromUnixNs(v)).toBe(true);
      }),
    );
  });
});

describe('formatUtc', () => {
  it.each([
    ['1694429247:0', '2023-09-11T10:46:50Z'], // the spec's example (AN0008, timerange.json)
    ['1694429247:40000000', '2023-09-11T10:46:50.04Z'], // timestamp.json
    ['0:0', '1970-01-01T00:00:00Z'],
    ['-0:1', '1969-12-31T23:59:59.999999999Z'],
    ['1483228835:0', '2016-12-31T23:59:59Z'],
    ['1483228836:0', '2016-12-31T23:59:60Z'], // the leap second
    ['1483228836:999999999', '2016-12-31T23:59:60.999999999Z'],
    ['1483228837:0', '2017-01-01T00:00:00Z'],
    ['1435708835:500000000', '2015-06-30T23:59:60.5Z'],
    ['63071999:0', '1971-12-31T23:59:59Z'],
    ['63072009:0', '1971-12-31T23:59:60Z'], // last second of the 1972 step, as mediatimestamp prints it
    ['63072010:0', '1972-01-01T00:00:00Z'],
    ['-62167219200:0', '0000-01-01T00:00:00Z'],
    ['-62167219201:0', '-000001-12-31T23:59:59Z'],
    ['253402300837:0', '+010000-01-01T00:00:00Z'],
  ])('TAI %s is %s', (tai, text) => {
    expect(formatUtc(timestamp(tai))).toBe(text);
    expect(utc(text)).toBe(timestamp(tai));
  });

  it('prints all nine fractional digits with fraction: nanos', () => {
    expect(formatUtc(0n, { fraction: 'nanos' })).toBe('1970-01-01T00:00:00.000000000Z');
    expect(formatUtc(1_694_429_247_040_000_000n, { fraction: 'nanos' })).toBe(
      '2023-09-11T10:46:50.040000000Z',
    );
    expect(formatUtc(1_694_429_247_040_000_000n, { fraction: 'trim' })).toBe('2023-09-11T10:46:50.04Z');
  });

  it('throws RangeError outside ±100000 years and in the unlabelled part of the 1972 step', () => {
    expect(() => formatUtc(MIN_TAI - 1n)).toThrow(RangeError);
    expect(() => formatUtc(MAX_TAI + 1000n * S)).toThrow(/outside the supported UTC years/);
    expect(formatUtc(MIN_TAI)).toBe('-100000-01-01T00:00:00Z');
    expect(() => formatUtc(UNLABELLED_1972.from)).toThrow(/no UTC representation/);
    expect(() => formatUtc(UNLABELLED_1972.to - 1n)).toThrow(RangeError);
  });

  it('agrees with Date#toISOString at millisecond resolution', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -3_000_000_000_000_000n, max: 3_000_000_000_000_000n }), (ms) => {
        const tai = taiFromUnixNs(ms * 1_000_000n);
        const expected = new Date(Number(ms)).toISOString();
        expect(formatUtc(tai, { fraction: 'nanos' }).replace(/(\.[0-9]{3})0{6}Z$/, '$1Z')).toBe(expected);
      }),
    );
  });
});

describe('parseUtc', () => {
  it.each([
    ['2023-09-11T11:46:50+01:00', '1694429247:0'],
    ['2023-09-11T05:46:50-05:00', '1694429247:0'],
    ['2023-09-11T10:46:50-00:00', '1694429247:0'],
    ['2023-09-11t10:46:50z', '1694429247:0'],
    ['2023-09-11T10:46:50.1Z', '1694429247:100000000'],
    ['2023-09-11T10:46:50.000000001Z', '1694429247:1'],
    ['2016-12-31T18:59:60.25-05:00', '1483228836:250000000'], // a leap second in another offset
    ['2017-01-01T01:29:60+01:30', '1483228836:0'],
    ['1971-12-31T23:59:60Z', '63072009:0'],
    ['1969-12-31T23:59:59.5Z', '-0:500000000'],
  ])('%s is TAI %s', (text, tai) => {
    expect(utc(text)).toBe(timestamp(tai));
  });

  it.each([
    ['2023-09-11T10:46:50.1234567891Z', /at most 9 fractional-second digits/],
    ['2016-12-30T23:59:60Z', /only valid during an inserted leap second/],
    ['2016-12-31T23:58:60Z', /only valid during an inserted leap second/],
    ['2016-12-31T23:59:60+01:00', /only valid during an inserted leap second/],
    ['2023-02-29T00:00:00Z', /day must be 01-28/],
    ['2024-04-31T00:00:00Z', /day must be 01-30/],
    ['2023-13-01T00:00:00Z', /month/],
    ['2023-00-01T00:00:00Z', /month/],
    ['2023-01-01T24:00:00Z', /hour/],
    ['2023-01-01T00:60:00Z', /minute/],
    ['2023-01-01T00:00:61Z', /second/],
    ['2023-01-01T00:00:00+24:00', /offset/],
    ['2023-01-01T00:00:00+01:60', /offset/],
    ['-000000-01-01T00:00:00Z', /0000/],
    ['2023-01-01T00:00:00', /RFC 3339/],
    ['2023-01-01 00:00:00Z', /RFC 3339/],
    ['2023-01-01T00:00Z', /RFC 3339/],
    ['2023-1-01T00:00:00Z', /RFC 3339/],
    ['2023-01-01T00:00:00.Z', /RFC 3339/],
    ['2023-01-01T00:00:00+0100', /RFC 3339/],
    ['10000-01-01T00:00:00Z', /RFC 3339/],
    ['', /RFC 3339/],
  ])('rejects %j', (text, reason) => {
    const error = issue(text);
    expect(error?.code).toBe('INVALID_UTC');
    expect(error?.message).toMatch(reason);
    expect(error?.message).toContain(JSON.stringify(text));
  });

  it('reports years beyond ±100000 as OUT_OF_RANGE', () => {
    expect(issue('+100001-01-01T00:00:00Z')?.code).toBe('OUT_OF_RANGE');
    expect(issue('+100000-12-31T23:59:59-01:00')?.code).toBe('OUT_OF_RANGE');
    expect(issue('-100000-01-01T00:00:00+01:00')?.code).toBe('OUT_OF_RANGE');
    expect(utc('+100000-12-31T23:59:59.999999999Z')).toBe(MAX_TAI - 1n + S);
  });

  it('rejects non-strings from untyped callers', () => {
    expect(parseUtc(0 as unknown as string)).toMatchObject({ ok: false, error: { code: 'INVALID_UTC' } });
  });
});

describe('UTC round trip (property)', () => {
  const leapSecondStarts = LEAP_SECONDS.map((e) => (e.unixSeconds + e.taiMinusUtc - 1n) * S);
  const arbTai = fc
    .oneof(
      fc.bigInt({ min: MIN_TAI, max: MAX_TAI }),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      fc.bigInt({ min: 0n, max: 1_800_000_000n * S }),
      fc
        .tuple(fc.constantFrom(...leapSecondStarts), fc.bigInt({ min: -2n * S, max: 2n * S }))
        .map(([start, delta]) => start + delta),
    )
    .filter((t) => t < UNLABELLED_1972.from || t >= UNLABELLED_1972.to);

  it('parseUtc(formatUtc(t, nanos)) === t, including inside leap seconds', () => {
    fc.assert(
      fc.property(arbTai, (t) => {
        expect(utc(formatUtc(t, { fraction: 'nanos' }))).toBe(t);
        expect(utc(formatUtc(t))).toBe(t);
      }),
    );
  });
});

describe('nowTai', () => {
  it('is the wall clock at millisecond resolution, 37 s ahead of UTC', () => {
    const before = BigInt(Date.now()) * 1_000_000n;
    const now = nowTai();
    const after = BigInt(Date.now()) * 1_000_000n;
    expect(now % 1_000_000n).toBe(0n);
    expect(now >= before + 37n * S && now <= after + 37n * S).toBe(true);
  });
});
