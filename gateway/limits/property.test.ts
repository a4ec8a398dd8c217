import fc from 'fast-check';
import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { LIMIT_ERROR_CODES, limitRules } from './index.js';
import type { GraphQLLimits } from './index.js';
import { schema } from './test-support/schema.js';

/** A selection as generated: printed to GraphQL text, and expanded naively as the oracle. */
type Sel =
  | { kind: 'field'; alias: boolean; children: Sel[] }
  | { kind: 'inline'; children: Sel[] }
  | { kind: 'spread'; fragment: number };

const FRAGMENTS = 4;

const selections = fc.letrec<{ sel: Sel; list: Sel[] }>((tie) => ({
  sel: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ kind: fc.constant('field' as const), alias: fc.boolean(), children: fc.constant<Sel[]>([]) }),
    fc.record({ kind: fc.constant('field' as const), alias: fc.boolean(), children: tie('list') }),
    fc.record({ kind: fc.constant('inline' as const), children: tie('list') }),
    fc.record({ kind: fc.constant('spread' as const), fragment: fc.nat(FRAGMENTS - 1) }),
  ),
  list: fc.array(tie('sel'), { minLength: 1, maxLength: 4 }),
})).list;

function print(list: Sel[]): string {
  return list
    .map((sel, i) => {
      switch (sel.kind) {
        case 'field': {
          const name = sel.children.length ? `child { ${print(sel.children)} }` : 'leaf';
          return sel.alias ? `a${i}: ${name}` : name;
        }
        case 'inline':
          return `... on Node { ${print(sel.children)} }`;
        case 'spread':
          return `...F${sel.fragment}`;
      }
    })
    .join(' ');
}

const documentOf = (operation: Sel[], fragments: Sel[][]) =>
  [
    `query { ${print(operation)} }`,
    ...fragments.map((body, i) => `fragment F${i} on Node { ${print(body)} }`),
  ].join('\n');

const limits = fc.record({
  maxDepth: fc.integer({ min: 1, max: 12 }),
  maxAliases: fc.integer({ min: 1, max: 12 }),
  maxFields: fc.integer({ min: 1, max: 60 }),
  maxRootFields: fc.integer({ min: 1, max: 8 }),
  // The generated documents carry no argument values, so their list depth is 0 and never over a limit.
  maxListDepth: fc.integer({ min: 1, max: 6 }),
});

const KNOWN: ReadonlySet<unknown> = new Set(LIMIT_ERROR_CODES);

describe('limit rules on random documents', () => {
  it('pass, or fail only with limit codes (one per limit at most), and never throw: cycles included', () => {
    fc.assert(
      fc.property(
        selections,
        fc.array(selections, { minLength: FRAGMENTS, maxLength: FRAGMENTS }),
        limits,
        (op, fragments, l) => {
          const errors = validate(schema, parse(documentOf(op, fragments)), limitRules(l));
          const codes = errors.map((e) => e.extensions['code']);
          expect(codes.every((code) => KNOWN.has(code))).toBe(true);
          expect(new Set(codes).size).toBe(codes.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('agree with naive fragment expansion when the fragments are acyclic', () => {
    // Fragment i spreads only fragments after it, so expanding naively terminates.
    const acyclic = fc
      .array(selections, { minLength: FRAGMENTS, maxLength: FRAGMENTS })
      .map((fragments) => fragments.map((body, i) => retarget(body, i)));
    fc.assert(
      fc.property(selections, acyclic, limits, (op, fragments, l) => {
        const expected = naive(op, fragments);
        const broken = (Object.keys(expected) as (keyof GraphQLLimits)[]).filter((k) => expected[k] > l[k]);
        const errors = validate(schema, parse(documentOf(op, fragments)), limitRules(l));
        expect(errors.map((e) => e.extensions['code']).sort()).toEqual(broken.map((k) => CODE_OF[k]).sort());
      }),
      { numRuns: 300 },
    );
  });
});

const CODE_OF = {
  maxDepth: 'QUERY_TOO_DEEP',
  maxAliases: 'TOO_MANY_ALIASES',
  maxFields: 'QUERY_TOO_COMPLEX',
  maxRootFields: 'TOO_MANY_ROOT_FIELDS',
  maxListDepth: 'LIST_TOO_DEEP',
} as const;

/** Points fragment `owner`'s spreads at later fragments only (or drops them in the last one). */
function retarget(list: Sel[], owner: number): Sel[] {
  return list.map((sel): Sel => {
    if (sel.kind === 'spread') {
      const later = FRAGMENTS - owner - 1;
      return later > 0
        ? { kind: 'spread', fragment: owner + 1 + (sel.fragment % later) }
        : { kind: 'field', alias: false, children: [] };
    }
    return { ...sel, children: retarget(sel.children, owner) };
  });
}

/** The measures by plain recursive expansion. */
function naive(op: Sel[], fragments: Sel[][]): Record<keyof GraphQLLimits, number> {
  const expand = (list: Sel[]): Exclude<Sel, { kind: 'spread' }>[] =>
    list.flatMap((sel) => (sel.kind === 'spread' ? expand(fragments[sel.fragment] ?? []) : [sel]));
  const depth = (list: Sel[]): number =>
    Math.max(0, ...expand(list).map((s) => (s.kind === 'field' ? 1 + depth(s.children) : depth(s.children))));
  const count = (list: Sel[], f: (s: Sel & { kind: 'field' }) => number): number =>
    expand(list).reduce((n, s) => n + (s.kind === 'field' ? f(s) : 0) + count(s.children, f), 0);
  const roots = (list: Sel[]): number =>
    expand(list).reduce((n, s) => n + (s.kind === 'field' ? 1 : roots(s.children)), 0);
  return {
    maxDepth: depth(op),
    maxAliases: count(op, (s) => (s.alias ? 1 : 0)),
    maxFields: count(op, () => 1),
    maxRootFields: roots(op),
    maxListDepth: 0,
  };
}
