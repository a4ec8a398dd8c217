import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { arbTimeRange } from './test-support/timerange-arbitraries.js';
import { containsPointOrNeighbour, describeProbe, probesFor } from './test-support/probes.js';
import { compareTimeRanges, covers, formatTimeRange, isNonEmpty, overlaps, timeRange } from './timerange.js';
import { EMPTY } from './timerange-value.js';
import type { TimeRange } from './timerange-value.js';
import { gapsBetween, spanOf, unionOf } from './timerange-set.js';

const ranges = (...texts: string[]): TimeRange[] => texts.map((t) => timeRange(t));
const texts = (rs: readonly TimeRange[]): string[] => rs.map(formatTimeRange);

describe('unionOf', () => {
  it.each([
    [['[0:0_10:0)', '[10:0_20:0)'], ['[0:0_20:0)']], // touching, no point missing
    [['[0:0_10:0]', '(10:0_20:0)'], ['[0:0_20:0)']],
    [['[0:0_10:0]', '[10:0_20:0)'], ['[0:0_20:0)']], // overlapping at one point
    [
      ['[0:0_10:0)', '(10:0_20:0)'],
      ['[0:0_10:0)', '(10:0_20:0)'],
    ], // the point 10 is missing
    [
      ['[10:0_20:0)', '[0:0_5:0)', '()'],
      ['[0:0_5:0)', '[10:0_20:0)'],
    ], // sorted, EMPTY ignored
    [['[0:0_10:0)', '[2:0_3:0]'], ['[0:0_10:0)']], // contained
    [['[0:0_10:0)', '[10:0]', '(10:0_11:0]'], ['[0:0_11:0]']], // an instant fills the hole
    [['_5:0)', '[5:0_'], ['_']],
    [['(0:0_1:0)', '(0:0_1:0]'], ['(0:0_1:0]']],
    [[], []],
    [['()'], []],
  ])('%j -> %j', (input, expected) => {
    expect(texts(unionOf(ranges(...input)))).toEqual(expected);
  });

  it('accepts any iterable', () => {
    const input = new Set(ranges('[0:0_1:0)', '[1:0_2:0)'));
    expect(texts(unionOf(input))).toEqual(['[0:0_2:0)']);
  });
});

describe('gapsBetween', () => {
  it.each([
    [['[0:0_10:0)', '(10:0_20:0)'], ['[10:0]']],
    [['[0:0_10:0)', '[15:0_20:0)'], ['[10:0_15:0)']],
    [['[0:0_10:0]', '(15:0_20:0)'], ['(10:0_15:0]']],
    [['[0:0_10:0)', '[10:0_20:0)'], []],
    [['_0:0)', '(0:0_'], ['[0:0]']],
    [['[20:0_30:0)', '[0:0_10:0)', '[5:0_12:0)'], ['[12:0_20:0)']],
    [[], []],
  ])('%j -> %j', (input, expected) => {
    expect(texts(gapsBetween(ranges(...input)))).toEqual(expected);
  });
});

describe('spanOf', () => {
  it.each([
    [['[10:0_20:0)', '[0:0_5:0)'], '[0:0_20:0)'],
    [['(0:0_5:0]', '[0:0_1:0)', '[3:0_5:0)'], '[0:0_5:0]'], // inclusive wins at equal bounds
    [['[3:0]'], '[3:0]'],
    [['[0:0_1:0)', '[4:0_'], '[0:0_'],
    [['()', '()'], '()'],
    [[], '()'],
  ])('%j -> %s', (input, expected) => {
    expect(formatTimeRange(spanOf(ranges(...input)))).toBe(expected);
  });
});

describe('properties', () => {
  const arbRanges = fc.array(arbTimeRange, { maxLength: 8 });

  it('union covers exactly the points of its inputs, minimally and in order', () => {
    fc.assert(
      fc.property(arbRanges, (input) => {
        const union = unionOf(input);
        for (const probe of probesFor(input)) {
          const inInput = input.some((r) => containsPointOrNeighbour(r, probe));
          const inUnion = union.filter((r) => containsPointOrNeighbour(r, probe)).length;
          expect(inUnion, describeProbe(probe)).toBe(inInput ? 1 : 0);
        }
        for (let i = 1; i < union.length; i++) {
          const [previous, next] = [union[i - 1] as TimeRange, union[i] as TimeRange];
          expect(compareTimeRanges(previous, next)).toBe(-1);
          expect(overlaps(previous, next)).toBe(false);
        }
        // minimal: one member per maximal run of covered points along the line (probes in order)
        expect(union).toHaveLength(coveredRuns(input));
      }),
    );
  });

  it('union and gaps partition the span: every point of the span is in exactly one output range', () => {
    fc.assert(
      fc.property(arbRanges, (input) => {
        const union = unionOf(input);
        const gaps = gapsBetween(input);
        const span = spanOf(input);
        const outputs = [...union, ...gaps];
        expect(outputs.every(isNonEmpty)).toBe(true);
        for (const probe of probesFor(input)) {
          const holders = outputs.filter((r) => containsPointOrNeighbour(r, probe)).length;
          expect(holders, describeProbe(probe)).toBe(containsPointOrNeighbour(span, probe) ? 1 : 0);
          if (gaps.some((g) => containsPointOrNeighbour(g, probe))) {
            expect(input.some((r) => containsPointOrNeighbour(r, probe))).toBe(false);
          }
        }
        for (let i = 1; i < gaps.length; i++) {
          expect(compareTimeRanges(gaps[i - 1] as TimeRange, gaps[i] as TimeRange)).toBe(-1);
        }
        for (const [i, a] of outputs.entries()) {
          for (const b of outputs.slice(i + 1)) expect(overlaps(a, b)).toBe(false);
          expect(covers(span, a)).toBe(true);
        }
      }),
    );
  });

  it('the span covers every input and does not depend on order', () => {
    fc.assert(
      fc.property(arbRanges, (input) => {
        const span = spanOf(input);
        for (const r of input) if (isNonEmpty(r)) expect(covers(span, r)).toBe(true);
        expect(spanOf([...input].reverse())).toEqual(span);
        expect(spanOf(unionOf(input))).toEqual(input.some(isNonEmpty) ? span : EMPTY);
      }),
    );
  });

  it('union is idempotent and independent of input order', () => {
    fc.assert(
      fc.property(arbRanges, (input) => {
        const union = unionOf(input);
        expect(unionOf(union)).toEqual(union);
        expect(unionOf([...input].reverse())).toEqual(union);
      }),
    );
  });
});

/** The number of maximal runs of covered probe points, walking the probes in timeline order. */
function coveredRuns(input: readonly TimeRange[]): number {
  const probes = probesFor(input).sort((p, q) => (p.at === q.at ? p.side - q.side : p.at < q.at ? -1 : 1));
  let runs = 0;
  let previousCovered = false;
  for (const probe of probes) {
    const covered = input.some((r) => containsPointOrNeighbour(r, probe));
    if (covered && !previousCovered) runs++;
    previousCovered = covered;
  }
  return runs;
}
