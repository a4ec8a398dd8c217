import { buildSchema, parse, specifiedRules, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { maxListDepthRule } from './list-depth.js';

const schema = buildSchema(`
  scalar JSON
  input Filter { and: [Filter!], name: String }
  type Query { find(where: JSON, filter: Filter, ids: [[ID]]): Int }
`);

const codes = (doc: string, limit: number) =>
  validate(schema, parse(doc), [...specifiedRules, maxListDepthRule(limit)]).map((e) => e.extensions['code']);

const lists = (depth: number, leaf = '1') => `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`;

describe('maxListDepthRule', () => {
  it.each([1, 2, 6])('at a limit of %i, accepts that nesting and rejects one more', (limit) => {
    expect(codes(`{ find(where: ${lists(limit)}) }`, limit)).toEqual([]);
    expect(codes(`{ find(where: ${lists(limit + 1)}) }`, limit)).toEqual(['LIST_TOO_DEEP']);
  });

  it('counts lists only: input objects between them add no level', () => {
    const filter = (depth: number): string =>
      depth <= 1 ? '{ name: "x" }' : `{ and: [${filter(depth - 1)}] }`;
    expect(codes(`{ find(filter: ${filter(4)}) }`, 3)).toEqual([]); // three lists, four objects
    expect(codes(`{ find(filter: ${filter(5)}) }`, 3)).toEqual(['LIST_TOO_DEEP']);
    expect(codes(`{ find(where: ${'{ a: '.repeat(50)}1${' }'.repeat(50)}) }`, 1)).toEqual([]);
  });

  it('looks at arguments, directive arguments and variable defaults', () => {
    expect(codes(`query($w: JSON = ${lists(4)}) { find(where: $w) }`, 3)).toEqual(['LIST_TOO_DEEP']);
    expect(codes(`{ find(ids: [["a"]]) @include(if: true) }`, 2)).toEqual([]);
  });

  it('measures each value on its own, siblings and later arguments included', () => {
    expect(codes(`{ find(where: [${lists(2)}, ${lists(2)}, ${lists(2)}], ids: ${lists(2)}) }`, 3)).toEqual(
      [],
    );
    expect(codes(`{ a: find(where: ${lists(3)}) b: find(where: [${lists(3)}]) }`, 3)).toEqual([
      'LIST_TOO_DEEP',
    ]);
  });

  it('reports once however deep, without overflowing the stack', () => {
    expect(codes(`{ a: find(where: ${lists(1_000)}) b: find(where: ${lists(20)}) }`, 6)).toEqual([
      'LIST_TOO_DEEP',
    ]);
  });
});
