import { describe, expect, it } from 'vitest';
import { maxFieldsRule } from './complexity.js';
import { limitRules } from './index.js';
import { aliased, check, checkOnly } from './test-support/schema.js';

/**
 * `{ node { a1: leaf a2: leaf ... } }` selecting exactly `fields` fields (>= 2). Aliased, because
 * graphql-js aborts validation of thousands of same-named siblings (OverlappingFieldsCanBeMerged's budget).
 */
const flat = (fields: number) => `query Wide { node { ${aliased(fields - 1)} } }`;

/** Fragments F0..F(levels-1), each spreading the next twice; the last selects `leaf`. */
function bomb(levels: number): string {
  const fragments = Array.from({ length: levels }, (_, i) =>
    i === levels - 1
      ? `fragment F${i} on Node { leaf }`
      : `fragment F${i} on Node { ...F${i + 1} ...F${i + 1} }`,
  );
  return `query Bomb { node { ...F0 } }\n${fragments.join('\n')}`;
}

describe('maxFieldsRule', () => {
  it.each([2, 10, 2000])('at a limit of %i fields, accepts that many and rejects one more', (limit) => {
    expect(check(flat(limit), maxFieldsRule(limit))).toEqual([]);
    expect(check(flat(limit + 1), maxFieldsRule(limit))).toEqual([
      {
        code: 'QUERY_TOO_COMPLEX',
        message:
          `The query "Wide" selects more than ${limit} fields once fragments are expanded (each spread ` +
          `counts); the maximum is ${limit}.`,
      },
    ]);
  });

  it('counts a fragment once per spread, nested fields included', () => {
    const doc = `
      { node { ...F child { ...F } } nodes { ...F } }
      fragment F on Node { id child { leaf name } }`;
    // node, child, nodes = 3; F = 4 fields, spread 3 times = 12.
    expect(check(doc, maxFieldsRule(15))).toEqual([]);
    expect(check(doc, maxFieldsRule(14)).map((e) => e.code)).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('accepts a fragment doubling that stays within the cap', () => {
    // 1 (node) + 2^10 = 1025 fields.
    expect(checkOnly(bomb(11), maxFieldsRule(1025))).toEqual([]);
    expect(checkOnly(bomb(11), maxFieldsRule(1024)).map((e) => e.code)).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('rejects a fragment bomb of 2^20 fields and returns', () => {
    const errors = check(bomb(21), ...limitRules());
    expect(errors.map((e) => e.code)).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('rejects a fragment bomb whose expansion is beyond any number', () => {
    // 2^1500 overflows a double: the count must saturate, not turn into Infinity or NaN.
    expect(checkOnly(bomb(1500), maxFieldsRule(2000)).map((e) => e.code)).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('rejects a wide bomb: one fragment spread many times, many levels deep', () => {
    const levels = 10;
    const spreads = (next: string) => `...${next} `.repeat(50);
    const fragments = Array.from({ length: levels }, (_, i) =>
      i === levels - 1
        ? `fragment F${i} on Node { leaf }`
        : `fragment F${i} on Node { ${spreads(`F${i + 1}`)}}`,
    );
    const doc = `{ node { ...F0 } } ${fragments.join('\n')}`;
    expect(checkOnly(doc, maxFieldsRule(2000)).map((e) => e.code)).toEqual(['QUERY_TOO_COMPLEX']);
  });
});
