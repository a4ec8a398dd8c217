import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { civilFromDays, daysFromCivil, daysInMonth, floorDiv, floorMod } from './civil-date.js';

const MS_PER_DAY = 86_400_000;

describe('civil dates', () => {
  it('knows some fixed days', () => {
    expect(daysFromCivil({ year: 1970n, month: 1n, day: 1n })).toBe(0n);
    expect(daysFromCivil({ year: 1969n, month: 12n, day: 31n })).toBe(-1n);
    expect(daysFromCivil({ year: 2000n, month: 3n, day: 1n })).toBe(11_017n);
    expect(civilFromDays(-719_468n)).toEqual({ year: 0n, month: 3n, day: 1n });
  });

  it('agrees with Date.UTC and round-trips across ±100000 years', () => {
    fc.assert(
      fc.property(fc.integer({ min: -37_000_000, max: 37_000_000 }), (days) => {
        const civil = civilFromDays(BigInt(days));
        expect(daysFromCivil(civil)).toBe(BigInt(days));
        const date = new Date(days * MS_PER_DAY);
        expect(civil).toEqual({
          year: BigInt(date.getUTCFullYear()),
          month: BigInt(date.getUTCMonth() + 1),
          day: BigInt(date.getUTCDate()),
        });
        expect(civil.day <= daysInMonth(civil.year, civil.month)).toBe(true);
      }),
    );
  });

  it('counts leap years', () => {
    expect(daysInMonth(2024n, 2n)).toBe(29n);
    expect(daysInMonth(2023n, 2n)).toBe(28n);
    expect(daysInMonth(1900n, 2n)).toBe(28n);
    expect(daysInMonth(2000n, 2n)).toBe(29n);
    expect(daysInMonth(-4n, 2n)).toBe(29n);
    expect(daysInMonth(2023n, 4n)).toBe(30n);
    expect(daysInMonth(2023n, 12n)).toBe(31n);
  });

  it('floorDiv and floorMod round toward -infinity', () => {
    expect([floorDiv(-7n, 2n), floorMod(-7n, 2n)]).toEqual([-4n, 1n]);
    expect([floorDiv(7n, 2n), floorMod(7n, 2n)]).toEqual([3n, 1n]);
    expect([floorDiv(-8n, 2n), floorMod(-8n, 2n)]).toEqual([-4n, 0n]);
  });
});
