import { describe, expect, it } from 'vitest';
import { maxAliasesRule } from './aliases.js';
import { aliased, check, checkOnly } from './test-support/schema.js';

describe('maxAliasesRule', () => {
  it.each([1, 5, 30])('at a limit of %i aliases, accepts that many and rejects one more', (limit) => {
    expect(check(`query A { ${aliased(limit)} }`, maxAliasesRule(limit))).toEqual([]);
    expect(check(`query A { ${aliased(limit + 1)} }`, maxAliasesRule(limit))).toEqual([
      {
        code: 'TOO_MANY_ALIASES',
        message:
          `The query "A" uses more than ${limit} aliases (a fragment's aliases count once per spread); ` +
          `the maximum is ${limit}.`,
      },
    ]);
  });

  it('counts aliases at every level and once per fragment spread', () => {
    const doc = `
      { first: node { ...F } second: node { child { ...F } } }
      fragment F on Node { x: leaf y: name ... on Node { z: id } }`;
    // 2 root aliases + 3 in F, spread twice.
    expect(check(doc, maxAliasesRule(8))).toEqual([]);
    expect(check(doc, maxAliasesRule(7)).map((e) => e.code)).toEqual(['TOO_MANY_ALIASES']);
  });

  it('rejects an alias bomb made of fragments', () => {
    const levels = 40;
    const fragments = Array.from({ length: levels }, (_, i) =>
      i === levels - 1
        ? `fragment F${i} on Node { a: leaf b: leaf }`
        : `fragment F${i} on Node { ...F${i + 1} ...F${i + 1} }`,
    ).join('\n');
    const errors = checkOnly(`{ node { ...F0 } } ${fragments}`, maxAliasesRule(30));
    expect(errors.map((e) => e.code)).toEqual(['TOO_MANY_ALIASES']);
  });
});
