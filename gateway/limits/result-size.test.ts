import { buildASTSchema, getOperationAST, parse, print } from 'graphql';
import { describe, expect, it } from 'vitest';
import { loadSdl } from '../../subgraphs/sdl.js';
import {
  FlowsDocument,
  MediaObjectDocument,
  SegmentsDocument,
  SourcesDocument,
} from '../rest/__generated__/operations.js';
import { estimatedObjects, MAX_RESULT_OBJECTS } from './result-size.js';

const schema = buildASTSchema(parse(loadSdl('supergraph').text), { assumeValidSDL: true });

const estimate = (query: string, variables?: Record<string, unknown>) => {
  const document = parse(query);
  return estimatedObjects(schema, document, getOperationAST(document)!, variables);
};

const NESTED = (limit: number) =>
  `{ flows(limit: ${limit}) { nodes { source { flows(limit: ${limit}) { nodes { source { flows(limit: ${limit}) { nodes { id } } } } } } } } }`;

describe('estimatedObjects', () => {
  it('counts each field once and multiplies a paged selection by its page size', () => {
    expect(estimate('{ service { name } }')).toBe(2);
    // flows (10 pages of its selection: nodes + id = 2, plus itself) = 10 * (1 + 2)
    expect(estimate('{ flows(limit: 10) { nodes { id } } }')).toBe(30);
    // No limit: the default page size (100); beyond the maximum: the maximum (1000).
    expect(estimate('{ flows { nodes { id } } }')).toBe(300);
    expect(estimate('{ flows(limit: 50000) { nodes { id } } }')).toBe(3000);
  });

  it('reads limits from variables and their defaults, and expands fragments where spread', () => {
    const query =
      'query($n: Int = 7) { flows(limit: $n) { nodes { ...F ...F } } } fragment F on Flow { id label }';
    expect(estimate(query)).toBe(7 * (1 + 1 + 4));
    expect(estimate(query, { n: 2 })).toBe(2 * (1 + 1 + 4));
  });

  it('gives a document run again the estimate of its limit values, whatever its other variables', () => {
    const document = parse(
      'query($n: Int, $m: Int, $id: ID) { flows(limit: $n) { nodes { id ...F } } } ' +
        'fragment F on Flow { source { flows(limit: $m) { nodes { id } } } } ',
    );
    const operation = getOperationAST(document)!;
    const run = (variables: Record<string, unknown>) =>
      estimatedObjects(schema, document, operation, variables);
    const first = run({ n: 2, m: 3, id: 'a' });
    expect(run({ n: 2, m: 3, id: 'b' })).toBe(first);
    expect(run({ n: 2, m: 4, id: 'a' })).toBeGreaterThan(first); // a limit inside a fragment counts
    expect(run({ n: 5, m: 3, id: 'a' })).toBeGreaterThan(first);
    // A limit that is not a number is the default page size, not the number its text reads as.
    expect(run({ n: '2', m: 3 })).toBe(run({ n: undefined, m: 3 }));
    expect(run({ n: '2', m: 3 })).not.toBe(first);
    // Hostile values without a string form (own `toString`/`valueOf` that are not functions) are the
    // default page size too, never a TypeError (a 500).
    const hostile = { toString: { polluted: true }, valueOf: { polluted: true } };
    expect(run({ n: hostile, m: 3 })).toBe(run({ n: undefined, m: 3 }));
    expect(run({ n: [hostile], m: Object.create(null) as object })).toBe(run({ n: undefined, m: undefined }));
  });

  it('lets every REST listing through at its largest page', () => {
    for (const [name, query, variables] of [
      ['flows', FlowsDocument, { limit: 1000 }],
      ['sources', SourcesDocument, { limit: 1000 }],
      ['segments', SegmentsDocument, { flowId: 'f', limit: 1000 }],
      ['object', MediaObjectDocument, { objectId: 'o', limit: 1000 }],
    ] as const)
      expect(estimate(print(query), variables), name).toBeLessThan(MAX_RESULT_OBJECTS / 2);
  });

  it('refuses nested pages that multiply into millions', () => {
    expect(estimate(NESTED(1000))).toBeGreaterThan(MAX_RESULT_OBJECTS);
    expect(estimate(NESTED(100))).toBeGreaterThan(MAX_RESULT_OBJECTS);
    expect(estimate(NESTED(10))).toBeLessThan(MAX_RESULT_OBJECTS);
  });
});
