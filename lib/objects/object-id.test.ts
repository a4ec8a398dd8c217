import { describe, expect, it } from 'vitest';
import { assertObjectId, objectIdProblem } from './object-id.js';

describe('object ids', () => {
  it.each([
    'a',
    'bucket/9d1c7c4e-0f1a-4b7e-9a55-2d8f0f3b1c11',
    '/leading//double/',
    '...',
    '.hidden/..x/x..',
    '%2e%2e',
    'ünï 😀 +%?#&=',
    'x'.repeat(1024),
    'é'.repeat(512),
  ])('accepts %j', (id) => {
    expect(objectIdProblem(id)).toBeUndefined();
  });

  it.each([
    ['', /empty/],
    ['.', /segment/],
    ['..', /segment/],
    ['a/.', /segment/],
    ['../x', /segment/],
    ['a/../b', /segment/],
    ['a\0b', /NUL/],
    ['\uDC00x', /surrogate/],
    ['x\uD800', /surrogate/],
    ['x'.repeat(1025), /longer than 1024 bytes/],
    ['é'.repeat(513), /longer than 1024 bytes/],
    [42, /must be a string/],
  ])('refuses %j', (id, message) => {
    expect(objectIdProblem(id)).toMatch(message);
    expect(() => assertObjectId(id)).toThrow(expect.objectContaining({ code: 'INVALID_OBJECT_ID' }));
  });

  it('quotes hostile ids truncated and escaped', () => {
    const problem = objectIdProblem(`${'x'.repeat(2000)}\0`) ?? '';
    expect(problem.length).toBeLessThan(200);
  });
});
