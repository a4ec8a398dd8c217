import { describe, expect, it } from 'vitest';
import { DEFAULT_GRAPHQL_LIMITS, LIMIT_ERROR_CODES, limitRules, MAX_GRAPHQL_BODY_BYTES } from './index.js';
import { aliased, check, nested } from './test-support/schema.js';

describe('limitRules', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_GRAPHQL_LIMITS).toEqual({
      maxDepth: 15,
      maxAliases: 30,
      maxFields: 2000,
      maxRootFields: 20,
      maxListDepth: 6,
    });
    expect(MAX_GRAPHQL_BODY_BYTES).toBe(1_048_576);
    expect(limitRules()).toHaveLength(5);
  });

  it('applies the defaults at their limits', () => {
    expect(check(`{ node { ${nested(14)} } ${aliased(19)} }`, ...limitRules())).toEqual([]);
    expect(check(`{ node { ${nested(15)} } }`, ...limitRules()).map((e) => e.code)).toEqual([
      'QUERY_TOO_DEEP',
    ]);
    expect(check(`{ ${aliased(21)} }`, ...limitRules()).map((e) => e.code)).toEqual(['TOO_MANY_ROOT_FIELDS']);
    expect(check(`{ node { ${aliased(31)} } }`, ...limitRules()).map((e) => e.code)).toEqual([
      'TOO_MANY_ALIASES',
    ]);
  });

  it('reports every limit an operation breaks', () => {
    const deepId = `${'['.repeat(7)}1${']'.repeat(7)}`;
    const errors = check(
      `{ ${aliased(40, `node(id: ${deepId}) { ${nested(20)} }`)} }`,
      ...limitRules({ maxFields: 100 }),
    );
    // The deep id is also of the wrong type for ID (a specified rule's error, without a code).
    expect(errors.flatMap((e) => (e.code === undefined ? [] : [e.code])).sort()).toEqual(
      [...LIMIT_ERROR_CODES].sort(),
    );
  });

  it('takes overrides, keeps the defaults for the rest, and switches a limit off with Infinity', () => {
    expect(check('{ node { child { leaf } } }', ...limitRules({ maxDepth: 2 })).map((e) => e.code)).toEqual([
      'QUERY_TOO_DEEP',
    ]);
    expect(limitRules({ maxDepth: Number.POSITIVE_INFINITY, maxAliases: undefined })).toHaveLength(4);
    expect(check(`{ node { ${nested(100)} } }`, ...limitRules({ maxDepth: Infinity }))).toEqual([]);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses a limit of %s', (bad) => {
    expect(() => limitRules({ maxFields: bad })).toThrow(RangeError);
    expect(() => limitRules({ maxFields: bad })).toThrow(/maxFields must be a positive integer/);
  });
});
