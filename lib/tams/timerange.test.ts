import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { TamsValidationError } from './result.js';
import { arbTimeRange } from './test-support/timerange-arbitraries.js';
import { containsPointOrNeighbour, probesFor } from './test-support/probes.js';
import {
  formatTimeRange,
  isBounded,
  isEmpty,
  isInstantaneous,
  isNonEmpty,
  parseTimeRange,
  timeRange,
} from './timerange.js';
import { EMPTY, ETERNITY, instant, makeTimeRange } from './timerange-value.js';
import type { TimeRange } from './timerange-value.js';
import { formatTimestamp } from './timestamp.js';

/** Verbatim from api/schemas/timerange.json (7.0). */
const SCHEMA_PATTERN =
  /^(\[|\()?(-?(0|[1-9][0-9]*):(0|[1-9][0-9]{0,8}))?(_(-?(0|[1-9][0-9]*):(0|[1-9][0-9]{0,8}))?)?(\]|\))?$/;

const canonical = (text: string): string => formatTimeRange(timeRange(text));

describe('parseTimeRange: every row of DIGEST §2.2', () => {
  const a = '1:0';
  const b = '2:500000000';
  it.each([
    // bounded: same
    [`[${a}_${b})`, `[${a}_${b})`],
    [`[${a}_${b}]`, `[${a}_${b}]`],
    [`(${a}_${b})`, `(${a}_${b})`],
    [`(${a}_${b}]`, `(${a}_${b}]`],
    // no markers: inclusive at both ends; a finite bound without a marker is inclusive
    [`${a}_${b}`, `[${a}_${b}]`],
    [`[${a}_${b}`, `[${a}_${b}]`],
    [`${a}_${b})`, `[${a}_${b})`],
    [`(${a}_${b}`, `(${a}_${b}]`],
    // a to +infinity
    [`[${a}_`, `[${a}_`],
    [`(${a}_`, `(${a}_`],
    [`${a}_`, `[${a}_`],
    [`[${a}_)`, `[${a}_`],
    [`(${a}_]`, `(${a}_`],
    // -infinity to b
    [`_${b})`, `_${b})`],
    [`_${b}]`, `_${b}]`],
    [`_${b}`, `_${b}]`],
    [`(_${b})`, `_${b})`],
    [`[_${b}]`, `_${b}]`],
    // eternity, markers on infinite bounds ignored
    ['_', '_'],
    ['[_]', '_'],
    ['(_)', '_'],
    ['[_)', '_'],
    ['(_]', '_'],
    ['[_', '_'],
    ['_)', '_'],
    // instantaneous
    [`[${a}]`, `[${a}]`],
    [`[${a}_${a}]`, `[${a}]`],
    [a, `[${a}]`],
    [`[${a}`, `[${a}]`],
    [`${a}]`, `[${a}]`],
    // empty
    ['()', '()'],
    ['', '()'],
    ['[]', '()'],
    ['[)', '()'],
    ['(]', '()'],
    ['[', '()'],
    ['(', '()'],
    [']', '()'],
    [')', '()'],
    [`(${a})`, '()'],
    [`[${a})`, '()'],
    [`(${a}]`, '()'],
    [`(${a}`, '()'],
    [`${a})`, '()'],
    [`(${a}_${a}]`, '()'],
    [`[${a}_${a})`, '()'],
    [`(${a}_${a})`, '()'],
    [`[${b}_${a}]`, '()'], // end < start
    [`${b}_${a}`, '()'],
    // -0:0 is zero
    ['[-0:0_0:1)', '[0:0_0:1)'],
    ['-0:0', '[0:0]'],
  ])('%j is emitted as %j', (input, emitted) => {
    expect(canonical(input)).toBe(emitted);
  });

  it('keeps markers exactly: a stored [0:0_10:0) comes back as [0:0_10:0)', () => {
    expect(timeRange('[0:0_10:0)')).toEqual({
      kind: 'range',
      start: 0n,
      startInclusive: true,
      end: 10_000_000_000n,
      endInclusive: false,
    });
    expect(canonical('[0:0_10:0)')).toBe('[0:0_10:0)');
  });

  it('parses negative bounds', () => {
    expect(timeRange('[-10:0_-1:500000000)')).toMatchObject({
      start: -10_000_000_000n,
      end: -1_500_000_000n,
    });
  });

  it.each([
    '1:050000000',
    '[01:0_2:0)',
    '[0:0_1:1000000000)',
    '[0:0_1:0_2:0)',
    '[[0:0_1:0)',
    '[0:0_1:0))',
    '0:0__1:0',
    '__',
    ' _',
    '_ ',
    '[0:0 _1:0)',
    '0.5',
    '-_',
    '--1:0',
    '[a_b)',
    '{0:0_1:0}',
    ')0:0_1:0(',
    '[0:0,1:0)',
  ])('rejects %j with INVALID_TIMERANGE', (text) => {
    const result = parseTimeRange(text);
    expect(SCHEMA_PATTERN.test(text)).toBe(false);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('INVALID_TIMERANGE');
      expect(result.error.message).toContain(JSON.stringify(text));
    }
  });

  it('names the bad timestamp in the message', () => {
    const result = parseTimeRange('[0:0_1:050000000)');
    expect(result.ok ? '' : result.error.message).toContain('"1:050000000" is not a timestamp');
  });

  it('rejects non-strings from untyped callers', () => {
    expect(parseTimeRange(null as unknown as string)).toMatchObject({
      ok: false,
      error: { code: 'INVALID_TIMERANGE' },
    });
  });

  it('timeRange throws TamsValidationError on invalid input', () => {
    expect(() => timeRange('[0:0_1:0_2:0)')).toThrow(TamsValidationError);
  });

  it('accepts exactly the strings the schema pattern accepts', () => {
    const arbNearlyRange = fc.string({
      unit: fc.constantFrom('[', ']', '(', ')', '_', '-', ':', '0', '1', '9', ' '),
      maxLength: 16,
    });
    fc.assert(
      fc.property(fc.oneof(arbNearlyRange, fc.stringMatching(SCHEMA_PATTERN)), (text) => {
        expect(parseTimeRange(text).ok).toBe(SCHEMA_PATTERN.test(text));
      }),
    );
  });
});

describe('makeTimeRange', () => {
  it('defaults to an inclusive start and an exclusive end', () => {
    expect(formatTimeRange(makeTimeRange({ start: 0n, end: 10n }))).toBe('[0:0_0:10)');
  });

  it('normalises empty bounds to EMPTY and unbounded to ETERNITY', () => {
    expect(makeTimeRange({ start: 5n, end: 5n })).toBe(EMPTY);
    expect(makeTimeRange({ start: 6n, end: 5n, endInclusive: true })).toBe(EMPTY);
    expect(makeTimeRange({ start: null, startInclusive: true, end: null, endInclusive: true })).toBe(
      ETERNITY,
    );
  });

  it('drops markers on infinite bounds', () => {
    expect(makeTimeRange({ start: null, startInclusive: true, end: 5n })).toMatchObject({
      startInclusive: false,
    });
    expect(makeTimeRange({ start: 5n, end: null, endInclusive: true })).toMatchObject({
      endInclusive: false,
    });
  });

  it('returns frozen values', () => {
    expect(Object.isFrozen(makeTimeRange({ start: 0n, end: 10n }))).toBe(true);
    expect(Object.isFrozen(EMPTY)).toBe(true);
    expect(Object.isFrozen(ETERNITY)).toBe(true);
  });

  it('instant(t) is [t]', () => {
    expect(formatTimeRange(instant(-7n))).toBe('[-0:7]');
  });
});

describe('predicates', () => {
  it.each([
    ['()', { empty: true, instantaneous: false, bounded: true }],
    ['_', { empty: false, instantaneous: false, bounded: false }],
    ['[5:0]', { empty: false, instantaneous: true, bounded: true }],
    ['[5:0_6:0)', { empty: false, instantaneous: false, bounded: true }],
    ['[5:0_', { empty: false, instantaneous: false, bounded: false }],
    ['_6:0)', { empty: false, instantaneous: false, bounded: false }],
  ])('%s', (text, expected) => {
    const r = timeRange(text);
    expect(isEmpty(r)).toBe(expected.empty);
    expect(isNonEmpty(r)).toBe(!expected.empty);
    expect(isInstantaneous(r)).toBe(expected.instantaneous);
    expect(isBounded(r)).toBe(expected.bounded);
  });
});

describe('text round trips (property)', () => {
  it('format(parse(x)) === x for canonical x, and parse(format(r)) deep-equals r', () => {
    fc.assert(
      fc.property(arbTimeRange, (r) => {
        const text = formatTimeRange(r);
        expect(SCHEMA_PATTERN.test(text)).toBe(true);
        const parsed = timeRange(text);
        expect(parsed).toEqual(r);
        expect(formatTimeRange(parsed)).toBe(text);
      }),
    );
  });

  it('every accepted spelling of a range parses to the same value', () => {
    fc.assert(
      fc.property(arbTimeRange, fc.boolean(), fc.boolean(), (r, markInfinite, omitInclusive) => {
        for (const spelling of alternativeSpellings(r, markInfinite, omitInclusive)) {
          expect(timeRange(spelling)).toEqual(r);
        }
      }),
    );
  });

  it('parsed ranges hold exactly the points the markers say', () => {
    fc.assert(
      fc.property(arbTimeRange, (r) => {
        const text = formatTimeRange(r);
        const parsed = timeRange(text);
        for (const probe of probesFor([r])) {
          expect(containsPointOrNeighbour(parsed, probe)).toBe(containsPointOrNeighbour(r, probe));
        }
      }),
    );
  });
});

/** Non-canonical spellings the grammar allows for the same range (markers on infinities, no markers, …). */
function alternativeSpellings(r: TimeRange, markInfinite: boolean, omitInclusive: boolean): string[] {
  if (r.kind === 'empty') return ['', '()', '[]', '[)', '(', ')'];
  if (r.start === null && r.end === null) return markInfinite ? ['[_]', '(_)', '[_)', '(_]'] : ['_'];
  const start = r.start === null ? '' : formatTimestamp(r.start);
  const end = r.end === null ? '' : formatTimestamp(r.end);
  const open =
    r.start === null ? (markInfinite ? '(' : '') : r.startInclusive ? (omitInclusive ? '' : '[') : '(';
  const close =
    r.end === null ? (markInfinite ? ']' : '') : r.endInclusive ? (omitInclusive ? '' : ']') : ')';
  const spellings = [`${open}${start}_${end}${close}`];
  if (r.start !== null && r.start === r.end) spellings.push(start, `[${start}]`, `${open}${start}${close}`);
  return spellings;
}
