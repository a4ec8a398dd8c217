import { describe, expect, it } from 'vitest';
import { maxDepthRule } from './depth.js';
import { check, checkOnly, nested } from './test-support/schema.js';

// `{ node { ... } }` adds one level to `nested(n)`.
const query = (depth: number) => `query Deep { node { ${nested(depth - 1)} } }`;

describe('maxDepthRule', () => {
  it.each([1, 2, 7, 15])('at a limit of %i, accepts that depth and rejects one more', (limit) => {
    const accepted = limit === 1 ? '{ leaf }' : query(limit);
    expect(check(accepted, maxDepthRule(limit))).toEqual([]);
    const rejected = check(query(limit + 1), maxDepthRule(limit));
    expect(rejected).toEqual([
      {
        code: 'QUERY_TOO_DEEP',
        message: `The query "Deep" has a selection depth of ${limit + 1}; the maximum is ${limit}.`,
      },
    ]);
  });

  it('counts through named fragments and inline fragments, which add no level themselves', () => {
    const doc = (levels: number) => `
      query { node { ...A } }
      fragment A on Node { child { ... on Node { ...B } } }
      fragment B on Node { child { ... { ${nested(levels)} } } }`;
    expect(check(doc(3), maxDepthRule(6))).toEqual([]); // node, child, child, + 3
    expect(check(doc(4), maxDepthRule(6)).map((e) => e.code)).toEqual(['QUERY_TOO_DEEP']);
  });

  it('takes the deepest branch, wherever the fragment is spread', () => {
    const doc = `
      { node { leaf ...F child { leaf } } nodes { ...F } }
      fragment F on Node { child { child { leaf } } }`;
    expect(check(doc, maxDepthRule(4))).toEqual([]);
    expect(check(doc, maxDepthRule(3))[0]?.message).toBe(
      'The query has a selection depth of 4; the maximum is 3.',
    );
  });

  it('checks each operation of a document on its own', () => {
    const doc = `query Shallow { leaf } mutation Deep { touch(id: "1") { ${nested(5)} } }`;
    expect(check(doc, maxDepthRule(5)).map((e) => e.message)).toEqual([
      'The mutation "Deep" has a selection depth of 6; the maximum is 5.',
    ]);
  });

  it('terminates on fragment cycles and unknown fragments (other rules reject those)', () => {
    const cycle = `
      { node { ...A } }
      fragment A on Node { child { ...B } }
      fragment B on Node { child { ...A ...A } ...B }`;
    expect(check(cycle, maxDepthRule(15)).map((e) => e.code)).not.toContain('QUERY_TOO_DEEP');
    expect(checkOnly('{ node { child { ...Missing } } }', maxDepthRule(1)).map((e) => e.code)).toEqual([
      'QUERY_TOO_DEEP',
    ]);
  });

  it('reports the exact depth of a deeply nested document', () => {
    const levels = 500; // graphql-js's recursive parser overflows the stack long before 2000
    const doc = `{ ${'node { '.repeat(levels)}leaf${' }'.repeat(levels)} }`;
    expect(checkOnly(doc, maxDepthRule(15))[0]?.message).toBe(
      `The query has a selection depth of ${levels + 1}; the maximum is 15.`,
    );
  });
});
