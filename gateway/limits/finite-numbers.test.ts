import { buildSchema, parse, specifiedRules, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { finiteNumbersRule } from './finite-numbers.js';

const schema = buildSchema('scalar JSON type Query { a(v: JSON): Int }');
const codes = (doc: string) =>
  validate(schema, parse(doc), [...specifiedRules, finiteNumbersRule]).map((e) => e.extensions['code']);

describe('finiteNumbersRule', () => {
  it('refuses literals beyond a double, in arguments, lists and objects', () => {
    expect(codes('{ a(v: 1e400) }')).toEqual(['BAD_USER_INPUT']);
    expect(codes(`{ a(v: [1, { x: ${'9'.repeat(400)} }]) }`)).toEqual(['BAD_USER_INPUT']);
    expect(codes('query($v: JSON = -1e309) { a(v: $v) }')).toEqual(['BAD_USER_INPUT']);
  });

  it('accepts every finite literal', () => {
    expect(codes('{ a(v: [1.7976931348623157e308, -5e-324, 0, 12345678901234567890]) }')).toEqual([]);
  });
});
