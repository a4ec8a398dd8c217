import { buildSchema, parse, specifiedRules, validate } from 'graphql';
import type { ValidationRule } from 'graphql';

/** A small recursive schema: enough to nest, alias and fragment without limit. */
export const schema = buildSchema(`
  type Query {
    node(id: ID): Node
    nodes: [Node!]!
    leaf: Int
  }
  type Mutation {
    touch(id: ID!): Node
  }
  type Node {
    id: ID!
    child: Node
    children: [Node!]!
    leaf: Int
    name: String
  }
`);

export interface Reported {
  code: unknown;
  message: string;
}

/** Validates `doc` with the specified rules plus `rules`, as Apollo Server does. */
export function check(doc: string, ...rules: ValidationRule[]): Reported[] {
  return validate(schema, parse(doc), [...specifiedRules, ...rules]).map((e) => ({
    code: e.extensions['code'],
    message: e.message,
  }));
}

/** Validates `doc` with `rules` only (documents that are invalid in other ways too). */
export function checkOnly(doc: string, ...rules: ValidationRule[]): Reported[] {
  return validate(schema, parse(doc), rules).map((e) => ({ code: e.extensions['code'], message: e.message }));
}

/** `child { child { ... leaf } }`: a selection of the given depth (>= 1). */
export function nested(depth: number): string {
  return depth <= 1 ? 'leaf' : `child { ${nested(depth - 1)} }`;
}

/** `a1: leaf a2: leaf ...` */
export function aliased(count: number, field = 'leaf'): string {
  return Array.from({ length: count }, (_, i) => `a${i + 1}: ${field}`).join(' ');
}
