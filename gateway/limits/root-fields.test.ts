import { describe, expect, it } from 'vitest';
import { maxRootFieldsRule } from './root-fields.js';
import { aliased, check } from './test-support/schema.js';

describe('maxRootFieldsRule', () => {
  it.each([1, 3, 20])('at a limit of %i root fields, accepts that many and rejects one more', (limit) => {
    expect(
      check(`mutation M { ${aliased(limit, 'touch(id: "1") { id }')} }`, maxRootFieldsRule(limit)),
    ).toEqual([]);
    expect(
      check(`mutation M { ${aliased(limit + 1, 'touch(id: "1") { id }')} }`, maxRootFieldsRule(limit)),
    ).toEqual([
      {
        code: 'TOO_MANY_ROOT_FIELDS',
        message: `The mutation "M" has more than ${limit} root fields; the maximum is ${limit}.`,
      },
    ]);
  });

  it('counts root fields reached through fragments and inline fragments, not nested fields', () => {
    const doc = `
      { leaf ...R ... on Query { nodes { id leaf name } } }
      fragment R on Query { node { id child { id } } ...S }
      fragment S on Query { x: leaf }`;
    // leaf, nodes, node, x
    expect(check(doc, maxRootFieldsRule(4))).toEqual([]);
    expect(check(doc, maxRootFieldsRule(3)).map((e) => e.code)).toEqual(['TOO_MANY_ROOT_FIELDS']);
  });
});
