import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { TamsValidationError } from './result.js';
import { arbTimestampNs } from './test-support/timerange-arbitraries.js';
import { compareTimestamps, formatTimestamp, NS_PER_SECOND, parseTimestamp, timestamp } from './timestamp.js';

/** Verbatim from api/schemas/timestamp.json (7.0). */
const SCHEMA_PATTERN = /^-?(0|[1-9][0-9]*):(0|[1-9][0-9]{0,8})$/;

describe('parseTimestamp', () => {
  it.each([
    ['0:0', 0n],
    ['1:5', 1_000_000_005n], // nanoseconds are a count, not a fraction
    ['1:500000000', 1_500_000_000n],
    ['-1:500000000', -1_500_000_000n], // the sign negates the whole value
    ['-0:500000000', -500_000_000n],
    ['-0:0', 0n],
    ['0:999999999', 999_999_999n],
    ['1694429247:40000000', 1_694_429_247_040_000_000n],
    ['9007199254:740993001', 9_007_199_254_740_993_001n], // beyond 2^53 ns, no rounding
    ['123456789012345678901234567890:1', 123_456_789_012_345_678_901_234_567_890_000_000_001n],
  ])('parses %s', (text, expected) => {
    expect(parseTimestamp(text)).toEqual({ ok: true, value: expected });
  });

  it.each([
    '',
    '1',
    ':1',
    '1:',
    '01:0',
    '00:0',
    '1:050000000', // leading zero: not a decimal fraction (tightened in 7.0)
    '1:00',
    '1:1000000000', // ten digits
    '+1:0',
    '--1:0',
    '-1:-0',
    '- 1:0',
    '1.5',
    '1:0.5',
    ' 1:0',
    '1:0 ',
    '1:0\n',
    '１:0',
    '1e3:0',
    '0x10:0',
  ])('rejects %j with INVALID_TIMESTAMP', (text) => {
    const result = parseTimestamp(text);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('INVALID_TIMESTAMP');
      expect(result.error.message).toContain(JSON.stringify(text));
      expect(result.error.message).toContain('<seconds>:<nanoseconds>');
    }
  });

  it('explains the common mistakes', () => {
    const message = (text: string): string => {
      const r = parseTimestamp(text);
      return r.ok ? '' : r.error.message;
    };
    expect(message('1:050000000')).toContain('not a decimal fraction');
    expect(message('1.5')).toContain("separated by ':'");
    expect(message('01:0')).toContain('leading zeros');
  });

  it('rejects non-strings from untyped callers', () => {
    expect(parseTimestamp(5 as unknown as string)).toMatchObject({
      ok: false,
      error: { code: 'INVALID_TIMESTAMP' },
    });
  });

  it('truncates a long offending value in the message', () => {
    const r = parseTimestamp('9'.repeat(5000) + ':x');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message.length).toBeLessThan(400);
  });
});

describe('formatTimestamp', () => {
  it.each([
    [0n, '0:0'],
    [5n, '0:5'],
    [-5n, '-0:5'],
    [1_500_000_000n, '1:500000000'],
    [-1_500_000_000n, '-1:500000000'],
    [10n * NS_PER_SECOND, '10:0'],
    [2n ** 63n, '9223372036:854775808'],
  ])('formats %s as %s', (ns, text) => {
    expect(formatTimestamp(ns)).toBe(text);
  });

  it('parse(format(n)) === n, without precision loss, for any bigint', () => {
    fc.assert(
      fc.property(arbTimestampNs, (n) => {
        const text = formatTimestamp(n);
        expect(SCHEMA_PATTERN.test(text)).toBe(true);
        expect(timestamp(text)).toBe(n);
      }),
    );
  });

  it('format(parse(x)) === x for every string the schema accepts, except -0:0', () => {
    fc.assert(
      fc.property(fc.stringMatching(SCHEMA_PATTERN), (text) => {
        const expected = text === '-0:0' ? '0:0' : text;
        expect(formatTimestamp(timestamp(text))).toBe(expected);
      }),
    );
  });

  it('accepts exactly the strings the schema pattern accepts', () => {
    const arbNearlyTimestamp = fc.string({
      unit: fc.constantFrom('-', ':', '0', '1', '9', '.', ' '),
      maxLength: 14,
    });
    fc.assert(
      fc.property(arbNearlyTimestamp, (text) => {
        expect(parseTimestamp(text).ok).toBe(SCHEMA_PATTERN.test(text));
      }),
    );
  });
});

describe('timestamp', () => {
  it('throws a TamsValidationError for invalid input', () => {
    expect(() => timestamp('1:050000000')).toThrow(TamsValidationError);
    expect(timestamp('-1:0')).toBe(-NS_PER_SECOND);
  });
});

describe('compareTimestamps', () => {
  it('orders like the bigint values', () => {
    fc.assert(
      fc.property(arbTimestampNs, arbTimestampNs, (a, b) => {
        expect(compareTimestamps(a, b)).toBe(a < b ? -1 : a > b ? 1 : 0);
        expect(compareTimestamps(b, a)).toBe(-compareTimestamps(a, b) || 0);
      }),
    );
  });
});
