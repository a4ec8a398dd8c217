import { describe, expect, it } from 'vitest';

import { describeValue } from './describe-value.js';
import { fail, ok, TamsValidationError, unwrap } from './result.js';

describe('Result', () => {
  it('wraps values and issues', () => {
    expect(ok(5)).toEqual({ ok: true, value: 5 });
    expect(fail('INVALID_X', 'bad')).toEqual({ ok: false, error: { code: 'INVALID_X', message: 'bad' } });
  });

  it('unwrap returns the value or throws a TamsValidationError carrying the issue', () => {
    expect(unwrap(ok('v'))).toBe('v');
    const thrown = (() => {
      try {
        unwrap(fail('INVALID_X', 'what went wrong'));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(TamsValidationError);
    expect(thrown).toBeInstanceOf(Error);
    expect(thrown).toMatchObject({
      name: 'TamsValidationError',
      message: 'what went wrong',
      issue: { code: 'INVALID_X', message: 'what went wrong' },
    });
  });
});

describe('describeValue', () => {
  it('quotes strings with JSON escapes and truncates long ones', () => {
    expect(describeValue('a"b\n')).toBe('"a\\"b\\n"');
    expect(describeValue('\ud800')).toBe('"\\ud800"');
    const long = describeValue('x'.repeat(10_000));
    expect(long.length).toBeLessThan(120);
    expect(long).toContain('(10000 characters)');
  });

  it('names other values by kind without echoing them', () => {
    expect(describeValue(null)).toBe('(null)');
    expect(describeValue(undefined)).toBe('(undefined)');
    expect(describeValue(['secret'])).toBe('(an array)');
    expect(describeValue({ secret: 1 })).toBe('(an object)');
    expect(describeValue(42)).toBe('(the number 42)');
    expect(describeValue(42n)).toBe('(the bigint 42)');
    expect(describeValue(true)).toBe('(the boolean true)');
  });
});
