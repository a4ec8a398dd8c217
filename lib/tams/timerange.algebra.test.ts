/** The marker-aware algebra of timerange.ts (DIGEST §2.3), continuous semantics. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { arbTimeRange } from './test-support/timerange-arbitraries.js';
import { containsPointOrNeighbour, describeProbe, probesFor } from './test-support/probes.js';
import {
  before,
  compareTimeRanges,
  containsTimestamp,
  covers,
  duration,
  equalTimeRanges,
  formatTimeRange,
  intersection,
  isBounded,
  isNonEmpty,
  overlaps,
  timeRange,
} from './timerange.js';
import { EMPTY, ETERNITY } from './timerange-value.js';
import type { TimeRange } from './timerange-value.js';

const tr = timeRange;

describe('overlaps and before', () => {
  it.each([
    ['[0:0_10:0)', '[10:0_20:0)', false],
    ['[0:0_10:0]', '[10:0_20:0)', true],
    ['[0:0_10:0]', '(10:0_20:0)', false],
    ['[1:0_2:0)', '[2:0]', false],
    ['[1:0_2:0]', '[2:0]', true],
    ['[0:0_10:0)', '(9:999999999_20:0)', true], // continuous: points between 9.999999999 and 10 are shared
    ['[0:0_10:0)', '()', false],
    ['()', '()', false],
    ['_', '[5:0]', true],
    ['_5:0)', '[5:0_', false],
    ['_5:0]', '[5:0_', true],
    ['[3:0]', '[3:0]', true],
  ])('%s and %s overlap: %s', (a, b, expected) => {
    expect(overlaps(tr(a), tr(b))).toBe(expected);
    expect(overlaps(tr(b), tr(a))).toBe(expected);
  });

  it('[0:0_10:0) is before [10:0_20:0), not the other way round', () => {
    expect(before(tr('[0:0_10:0)'), tr('[10:0_20:0)'))).toBe(true);
    expect(before(tr('[10:0_20:0)'), tr('[0:0_10:0)'))).toBe(false);
    expect(before(tr('[0:0_10:0]'), tr('[10:0_20:0)'))).toBe(false);
    expect(before(tr('()'), tr('[10:0_20:0)'))).toBe(false);
    expect(before(tr('_'), tr('[10:0_20:0)'))).toBe(false);
  });
});

describe('covers', () => {
  it.each([
    ['[0:0_10:0)', '[0:0_10:0)', true],
    ['[0:0_10:0)', '(0:0_10:0)', true],
    ['(0:0_10:0)', '[0:0_10:0)', false],
    ['[0:0_10:0)', '[0:0_10:0]', false],
    ['[0:0_10:0]', '[10:0]', true],
    ['[0:0_10:0)', '[10:0]', false],
    ['_', '[5:0_', true],
    ['[0:0_', '_5:0)', false],
    ['[0:0_10:0)', '()', true],
    ['()', '()', false], // DIGEST §2.3: an empty outer covers nothing
    ['()', '[1:0]', false],
  ])('%s covers %s: %s', (outer, inner, expected) => {
    expect(covers(tr(outer), tr(inner))).toBe(expected);
  });
});

describe('containsTimestamp', () => {
  it('respects markers', () => {
    const r = tr('(0:0_10:0]');
    expect(containsTimestamp(r, 0n)).toBe(false);
    expect(containsTimestamp(r, 1n)).toBe(true);
    expect(containsTimestamp(r, 10_000_000_000n)).toBe(true);
    expect(containsTimestamp(r, 10_000_000_001n)).toBe(false);
    expect(containsTimestamp(EMPTY, 0n)).toBe(false);
    expect(containsTimestamp(ETERNITY, -(2n ** 80n))).toBe(true);
  });
});

describe('intersection', () => {
  it.each([
    ['[0:0_10:0)', '(0:0_10:0]', '(0:0_10:0)'], // the exclusive marker wins at equal bounds
    ['[0:0_10:0]', '[10:0_20:0)', '[10:0]'],
    ['[0:0_10:0)', '[10:0_20:0)', '()'],
    ['_', '[5:0_', '[5:0_'],
    ['_7:0)', '(3:0_', '(3:0_7:0)'],
    ['()', '_', '()'],
  ])('%s ∩ %s = %s', (a, b, expected) => {
    expect(formatTimeRange(intersection(tr(a), tr(b)))).toBe(expected);
  });
});

describe('compareTimeRanges', () => {
  it('[1:0_2:0) sorts before [2:0]', () => {
    expect(compareTimeRanges(tr('[1:0_2:0)'), tr('[2:0]'))).toBe(-1);
  });

  it('sorts EMPTY, then by start (-inf, inclusive first), then by end (exclusive first, +inf last)', () => {
    const sorted = ['()', '_1:0)', '_', '[0:0_1:0)', '[0:0_1:0]', '[0:0_', '(0:0_1:0)', '(0:0_', '[1:0]'];
    const shuffled = [...sorted].reverse().map(tr);
    expect(shuffled.sort(compareTimeRanges).map(formatTimeRange)).toEqual(sorted);
  });
});

describe('duration', () => {
  it.each([
    ['()', 0n],
    ['[5:0]', 0n],
    ['[0:0_10:0)', 10_000_000_000n],
    ['(1:0_1:5]', 5n],
    ['_', null],
    ['[0:0_', null],
    ['_0:0)', null],
  ])('%s lasts %s ns', (text, expected) => {
    expect(duration(tr(text))).toBe(expected);
  });
});

describe('algebra properties', () => {
  it('overlaps is symmetric and agrees with shared points', () => {
    fc.assert(
      fc.property(arbTimeRange, arbTimeRange, (a, b) => {
        expect(overlaps(a, b)).toBe(overlaps(b, a));
        const shared = probesFor([a, b]).some(
          (p) => containsPointOrNeighbour(a, p) && containsPointOrNeighbour(b, p),
        );
        expect(overlaps(a, b)).toBe(shared);
      }),
    );
  });

  it('for non-empty ranges exactly one of before(a, b), before(b, a), overlaps(a, b) holds', () => {
    fc.assert(
      fc.property(arbTimeRange, arbTimeRange, (a, b) => {
        fc.pre(isNonEmpty(a) && isNonEmpty(b));
        const truths = [before(a, b), before(b, a), overlaps(a, b)].filter(Boolean);
        expect(truths).toHaveLength(1);
        if (before(a, b)) expect(compareTimeRanges(a, b)).toBe(-1);
      }),
    );
  });

  it('intersection is covered by both operands, non-empty iff they overlap, and holds the shared points', () => {
    fc.assert(
      fc.property(arbTimeRange, arbTimeRange, (a, b) => {
        const i = intersection(a, b);
        expect(isNonEmpty(i)).toBe(overlaps(a, b));
        if (isNonEmpty(i)) {
          expect(covers(a, i)).toBe(true);
          expect(covers(b, i)).toBe(true);
        }
        for (const probe of probesFor([a, b])) {
          const expected = containsPointOrNeighbour(a, probe) && containsPointOrNeighbour(b, probe);
          expect(containsPointOrNeighbour(i, probe), describeProbe(probe)).toBe(expected);
        }
      }),
    );
  });

  it('covers(a, b) holds exactly when every point of b is in a (and a is non-empty)', () => {
    fc.assert(
      fc.property(arbTimeRange, arbTimeRange, (a, b) => {
        const pointwise = isNonEmpty(a) && subset(b, a);
        expect(covers(a, b)).toBe(pointwise);
        if (covers(a, b) && isNonEmpty(b)) expect(overlaps(a, b)).toBe(true);
      }),
    );
  });

  it('containsTimestamp agrees with the independent model', () => {
    fc.assert(
      fc.property(arbTimeRange, (r) => {
        for (const probe of probesFor([r]).filter((p) => p.side === 0)) {
          expect(containsTimestamp(r, probe.at)).toBe(containsPointOrNeighbour(r, probe));
        }
      }),
    );
  });

  it('compareTimeRanges is a total order consistent with equalTimeRanges and structural equality', () => {
    fc.assert(
      fc.property(arbTimeRange, arbTimeRange, arbTimeRange, (a, b, c) => {
        expect(compareTimeRanges(a, a)).toBe(0);
        expect(compareTimeRanges(b, a)).toBe(-compareTimeRanges(a, b) || 0);
        if (compareTimeRanges(a, b) <= 0 && compareTimeRanges(b, c) <= 0) {
          expect(compareTimeRanges(a, c)).toBeLessThanOrEqual(0);
        }
        const equal = compareTimeRanges(a, b) === 0;
        expect(equalTimeRanges(a, b)).toBe(equal);
        expect(formatTimeRange(a) === formatTimeRange(b)).toBe(equal);
        if (equal) expect(a).toEqual(b);
      }),
    );
  });

  it('duration is null exactly for unbounded ranges and never negative', () => {
    fc.assert(
      fc.property(arbTimeRange, (r) => {
        const d = duration(r);
        expect(d === null).toBe(!isBounded(r));
        if (d !== null) expect(d >= 0n).toBe(true);
      }),
    );
  });
});

/** Every probe point of `inner` (at the bounds of both ranges, and just beside them) is in `outer`. */
function subset(inner: TimeRange, outer: TimeRange): boolean {
  return probesFor([inner, outer]).every(
    (p) => !containsPointOrNeighbour(inner, p) || containsPointOrNeighbour(outer, p),
  );
}
