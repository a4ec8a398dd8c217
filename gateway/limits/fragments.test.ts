import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { DocumentNode } from 'graphql';
import * as restOperations from '../rest/__generated__/operations.js';
import { DEFAULT_FRAGMENT_LIMITS, fragmentLimitsRule, fragmentShapeError } from './fragments.js';
import { MAX_GRAPHQL_TOKENS } from './index.js';
import { schema } from './test-support/schema.js';

const { maxDefinitions, maxNesting, maxSpreads } = DEFAULT_FRAGMENT_LIMITS;

/** `{ ...F0 }` and F0 spreading F1 ... F(n-1), the last selecting `leaf`. */
const chain = (n: number, extra = '') =>
  '{ node { ...F0 } } ' +
  Array.from(
    { length: n },
    (_, i) => `fragment F${i} on Node { ${extra} ${i + 1 < n ? `...F${i + 1}` : 'leaf'} }`,
  ).join(' ');

const inline = (n: number) => `{ node { ${'... on Node { '.repeat(n)}leaf${' }'.repeat(n)} } }`;
const distinct = (n: number) =>
  `{ node { ${Array.from({ length: n }, (_, i) => `...D${i}`).join(' ')} } } ` +
  Array.from({ length: n }, (_, i) => `fragment D${i} on Node { leaf name }`).join(' ');
const fanOut = (n: number) =>
  `{ node { ...A } } fragment A on Node { ${'...B '.repeat(n)}} fragment B on Node { leaf }`;

const codeOf = (query: string) => fragmentShapeError(parse(query))?.extensions['code'];
const limitOf = (query: string) => fragmentShapeError(parse(query))?.extensions['limit'];

describe('fragment bounds', () => {
  it('accept documents up to each bound', () => {
    expect(codeOf(chain(maxNesting))).toBeUndefined();
    expect(codeOf(inline(maxNesting))).toBeUndefined();
    expect(codeOf(distinct(maxDefinitions))).toBeUndefined();
    expect(codeOf(fanOut(maxSpreads - 1))).toBeUndefined();
    // Inline fragment inside a named one inside an inline one: nesting 3.
    expect(
      codeOf('{ node { ... on Node { ...A } } } fragment A on Node { child { ... on Node { leaf } } }'),
    ).toBeUndefined();
  });

  it('refuse a fragment chain one link too deep, and the 2,000-link chain of the issue', () => {
    expect([codeOf(chain(maxNesting + 1)), limitOf(chain(maxNesting + 1))]).toEqual([
      'QUERY_TOO_COMPLEX',
      maxNesting,
    ]);
    expect(fragmentShapeError(parse(chain(maxDefinitions)))?.message).toMatch(
      /nests fragments \(spreads and inline fragments\) more than 10 deep/,
    );
    expect(fragmentShapeError(parse(chain(2000), { maxTokens: MAX_GRAPHQL_TOKENS }))?.message).toMatch(
      /defines more than 100 fragments/,
    );
  });

  it('refuse chains whose links also select fields, and inline fragments nested too deep', () => {
    expect(codeOf(chain(maxNesting + 1, 'leaf name'))).toBe('QUERY_TOO_COMPLEX');
    expect(codeOf(inline(maxNesting + 1))).toBe('QUERY_TOO_COMPLEX');
    expect(codeOf(inline(1000))).toBe('QUERY_TOO_COMPLEX');
  });

  it('count nesting through inline and named fragments alike, wherever a fragment is spread', () => {
    const half = Math.ceil(maxNesting / 2);
    const mixed = `{ node { ${'... on Node { '.repeat(half)}...F0${' }'.repeat(half)} } } ${chain(maxNesting - half + 1).slice('{ node { ...F0 } } '.length)}`;
    expect(codeOf(mixed)).toBe('QUERY_TOO_COMPLEX');
  });

  it('refuse too many fragment definitions, and too many spreads once expanded', () => {
    expect([codeOf(distinct(maxDefinitions + 1)), limitOf(distinct(maxDefinitions + 1))]).toEqual([
      'QUERY_TOO_COMPLEX',
      maxDefinitions,
    ]);
    expect([codeOf(fanOut(maxSpreads)), limitOf(fanOut(maxSpreads))]).toEqual([
      'QUERY_TOO_COMPLEX',
      maxSpreads,
    ]);
    // A bomb: each level spreads the next twice, 2^12 spreads once expanded, 13 definitions.
    const bomb =
      '{ node { ...F0 } } ' +
      Array.from({ length: 12 }, (_, i) => `fragment F${i} on Node { ...F${i + 1} ...F${i + 1} }`).join(' ') +
      ' fragment F12 on Node { leaf }';
    expect(fragmentShapeError(parse(bomb), { ...DEFAULT_FRAGMENT_LIMITS, maxNesting: 100 })?.message).toMatch(
      /more than 500 fragment spreads/,
    );
  });

  it('leave cycles and unknown fragments to graphql-js (NoFragmentCycles, KnownFragmentNames)', () => {
    expect(
      codeOf('{ node { ...A } } fragment A on Node { ...B } fragment B on Node { ...A }'),
    ).toBeUndefined();
    expect(codeOf('{ node { ...Missing } }')).toBeUndefined();
  });

  it('pass every document the REST shim runs', () => {
    const documents = Object.entries(restOperations)
      .filter(([name]) => name.endsWith('Document'))
      .map(([, document]) => document as DocumentNode);
    expect(documents.length).toBeGreaterThan(10);
    for (const document of documents) expect(fragmentShapeError(document)).toBeUndefined();
  });

  it('as a validation rule, reports the same error', () => {
    const errors = validate(schema, parse(chain(maxNesting + 1)), [fragmentLimitsRule]);
    expect(errors.map((e) => e.extensions['code'])).toEqual(['QUERY_TOO_COMPLEX']);
  });
});
