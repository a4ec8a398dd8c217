import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { Result } from './result.js';
import {
  MAX_DESCRIPTION_LENGTH,
  MAX_LABEL_LENGTH,
  MAX_TAG_NAME_LENGTH,
  MAX_TAG_VALUE_LENGTH,
  MAX_TAGS_PER_ENTITY,
  validateDescription,
  validateLabel,
  validateTagName,
  validateTags,
  validateTagValue,
  validateUuid,
} from './validate.js';

const errorOf = <T>(r: Result<T>): { code: string; message: string } | undefined =>
  r.ok ? undefined : r.error;

describe('validateUuid', () => {
  it.each(['0b3a5a6c-3c5f-4a3c-9f3a-3a4a5a6a7a8a', 'c7a2a3e4-0000-1000-8000-000000000000'])(
    'accepts %s',
    (id) => {
      expect(validateUuid(id)).toEqual({ ok: true, value: id });
    },
  );

  it('rejects an uppercase UUID and says it must be lowercase', () => {
    const error = errorOf(validateUuid('0B3A5A6C-3C5F-4A3C-9F3A-3A4A5A6A7A8A'));
    expect(error?.code).toBe('INVALID_UUID');
    expect(error?.message).toContain('lowercase');
    expect(error?.message).toContain('"0B3A5A6C-3C5F-4A3C-9F3A-3A4A5A6A7A8A"');
  });

  it.each([
    '0b3a5a6c-3c5f-6a3c-9f3a-3a4a5a6a7a8a', // version 6 is outside [1-5]
    '0b3a5a6c-3c5f-4a3c-7f3a-3a4a5a6a7a8a', // variant must be 8, 9, a or b
    '0b3a5a6c3c5f4a3c9f3a3a4a5a6a7a8a',
    '{0b3a5a6c-3c5f-4a3c-9f3a-3a4a5a6a7a8a}',
    '0b3a5a6c-3c5f-4a3c-9f3a-3a4a5a6a7a8a\n',
    '',
  ])('rejects %j', (id) => {
    expect(errorOf(validateUuid(id))?.code).toBe('INVALID_UUID');
  });

  it('rejects non-strings', () => {
    expect(errorOf(validateUuid(42))?.message).toContain('expected a string');
  });
});

describe('validateTagName', () => {
  it('accepts ordinary and non-ASCII names up to the limit', () => {
    for (const name of [
      'genre',
      'hls_segment_length',
      'x'.repeat(MAX_TAG_NAME_LENGTH),
      '日本語',
      '🎬 take',
      '__proto__',
    ]) {
      expect(validateTagName(name)).toEqual({ ok: true, value: name });
    }
  });

  it.each([
    ['', 'must not be empty'],
    ['x'.repeat(MAX_TAG_NAME_LENGTH + 1), 'longer than the limit of 256'],
    ['a\nb', 'control characters'],
    ['a\u0000b', 'NUL character'],
    ['a\u007fb', 'control characters'],
    ['a\u0085b', 'control characters'],
    ['a\ud800b', 'lone UTF-16 surrogate'],
    ['\udc00', 'lone UTF-16 surrogate'],
  ])('rejects %j (%s)', (name, rule) => {
    const error = errorOf(validateTagName(name));
    expect(error?.code).toBe('INVALID_TAG_NAME');
    expect(error?.message).toContain(rule);
  });

  it('rejects non-strings', () => {
    expect(errorOf(validateTagName(undefined))?.message).toContain('expected a string');
  });
});

describe('validateTagValue', () => {
  it('accepts any well-formed string up to the limit, including control characters and empty', () => {
    for (const value of ['', 'line\nbreak', 'y'.repeat(MAX_TAG_VALUE_LENGTH)]) {
      expect(validateTagValue(value).ok).toBe(true);
    }
  });

  it('rejects lists, which only arrived in TAMS 8.0', () => {
    const error = errorOf(validateTagValue(['a', 'b']));
    expect(error?.code).toBe('INVALID_TAG_VALUE');
    expect(error?.message).toMatch(/7\.0 tag values are strings.*8\.0/);
  });

  it('rejects too long values, lone surrogates and non-strings', () => {
    expect(errorOf(validateTagValue('y'.repeat(MAX_TAG_VALUE_LENGTH + 1)))?.message).toContain('65536');
    expect(errorOf(validateTagValue('\ud83c'))?.message).toContain('surrogate');
    expect(errorOf(validateTagValue(3))?.message).toContain('expected a string');
  });

  it('keeps messages short however long the value', () => {
    expect(errorOf(validateTagValue('z'.repeat(MAX_TAG_VALUE_LENGTH + 1)))!.message.length).toBeLessThan(300);
  });
});

describe('validateTags', () => {
  it('returns a frozen copy of a valid map', () => {
    const input = { genre: 'news', empty: '' };
    const result = validateTags(input);
    expect(result).toEqual({ ok: true, value: input });
    if (result.ok) {
      expect(result.value).not.toBe(input);
      expect(Object.isFrozen(result.value)).toBe(true);
    }
  });

  it('keeps a tag named __proto__ as a tag', () => {
    const result = validateTags(JSON.parse('{"__proto__": "x", "a": "b"}'));
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(Object.keys(result.value)).toEqual(['__proto__', 'a']);
      expect(Object.getPrototypeOf(result.value)).toBe(Object.prototype);
    }
  });

  it.each([null, [], 'tags', 5])('rejects %j', (value) => {
    expect(errorOf(validateTags(value))?.code).toBe('INVALID_TAGS');
  });

  it('rejects more than the maximum number of tags', () => {
    const many = Object.fromEntries(
      Array.from({ length: MAX_TAGS_PER_ENTITY + 1 }, (_, i) => [`t${i}`, 'v']),
    );
    expect(errorOf(validateTags(many))?.message).toContain(`at most ${MAX_TAGS_PER_ENTITY}`);
    expect(validateTags(Object.fromEntries(Object.entries(many).slice(1))).ok).toBe(true);
  });

  it('names the offending tag', () => {
    const listValue = errorOf(validateTags({ genre: ['news', 'sport'] }));
    expect(listValue?.code).toBe('INVALID_TAG_VALUE');
    expect(listValue?.message).toContain('Tag "genre"');
    expect(listValue?.message).toContain('8.0');
    expect(errorOf(validateTags({ '': 'v' }))?.code).toBe('INVALID_TAG_NAME');
    expect(errorOf(validateTags({ 'a\tb': 'v' }))?.message).toContain('control characters');
  });
});

describe('validateLabel and validateDescription', () => {
  it('enforce their limits', () => {
    expect(validateLabel('l'.repeat(MAX_LABEL_LENGTH)).ok).toBe(true);
    expect(errorOf(validateLabel('l'.repeat(MAX_LABEL_LENGTH + 1)))).toMatchObject({ code: 'INVALID_LABEL' });
    expect(validateDescription('d'.repeat(MAX_DESCRIPTION_LENGTH)).ok).toBe(true);
    expect(errorOf(validateDescription('d'.repeat(MAX_DESCRIPTION_LENGTH + 1)))).toMatchObject({
      code: 'INVALID_DESCRIPTION',
    });
  });

  it('reject lone surrogates, NUL and non-strings, and allow any other well-formed text', () => {
    expect(errorOf(validateLabel('a\udfffb'))?.message).toContain('surrogate');
    expect(errorOf(validateLabel('a\u0000b'))?.message).toContain('NUL');
    expect(errorOf(validateDescription(null))?.message).toContain('expected a string');
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 50 }).filter((t) => !t.includes('\u0000')),
        (text) => {
          expect(validateLabel(text)).toEqual({ ok: true, value: text });
          expect(validateDescription(text)).toEqual({ ok: true, value: text });
          expect(validateTagValue(text).ok).toBe(true);
        },
      ),
    );
  });
});
