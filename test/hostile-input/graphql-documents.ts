import fc from 'fast-check';
import type { Fixtures } from './fixtures.js';
import { FIXTURE_TAG } from './fixtures.js';
import type { Lits } from './graphql-literals.js';
import { literals, variableValue } from './graphql-literals.js';
import { poisonedMutation } from './graphql-mutations.js';
import { hostileJsonValue, protoObject } from './hostile-json.js';
import { badTimerange, hostileString, INJECTIONS, LEAK_WORDS, validTimerange } from './hostile-values.js';

/**
 * Hostile GraphQL operations: queries (reads, which may be anything, limit breakers included) and
 * mutations that are certainly refused before they write (the one mutation field, or every one of
 * several, is poisoned: graphql-mutations.ts), with hostile values in every other argument and variable
 * (graphql-literals.ts).
 */
export interface GraphQLOperation {
  readonly query: string;
  readonly variables?: unknown;
  readonly mutation: boolean;
  readonly intent: string;
}

/** Read documents with hostile literals in every argument. */
function readTemplates(fx: Fixtures): ((l: Lits) => string)[] {
  return [
    (l) =>
      `{ flow(id: ${l.id}) { id label description tags { name value } readOnly timerange(within: ${l.tr1}) } }`,
    (l) =>
      `{ source(id: ${l.id}) { id label tags { name value } tag(name: ${l.s1}) flows(limit: ${l.i1}, after: ${l.s2}) { nodes { id } } } }`,
    (l) =>
      `{ flows(filter: { sourceId: ${l.id}, timerange: ${l.tr1}, format: ${l.e}, codec: ${l.s1}, label: ${l.s2}, tags: [{ name: ${l.s3}, value: ${l.s1} }], tagExists: [{ name: ${l.s2}, exists: ${l.b} }], frameWidth: ${l.i1}, frameHeight: ${l.i2}, collectedBy: ${l.id2} }, limit: ${l.i2}, after: ${l.s3}) { nodes { id label } pageInfo { endCursor hasNextPage limit } } }`,
    (l) =>
      `{ sources(filter: { label: ${l.s1}, format: ${l.e}, tags: [{ name: ${l.s2}, value: ${l.s3} }], tagExists: [{ name: ${l.s1}, exists: ${l.b} }] }, limit: ${l.i1}, after: ${l.s2}) { nodes { id } pageInfo { endCursor } } }`,
    (l) =>
      `{ flow(id: "${fx.flow}") { timerange(within: ${l.tr1}) segments(timerange: ${l.tr2}, objectId: ${l.s1}, reverseOrder: ${l.b}, limit: ${l.i1}, after: ${l.s2}) { nodes { objectId timerange tsOffset getUrls(acceptLabels: [${l.s3}], acceptStorageIds: [${l.id}], presigned: ${l.b}) { url label presigned } object { id referencedByFlows(limit: ${l.i2}) { nodes } } } pageInfo { endCursor } timerange } stats { segmentCount } } }`,
    (l) =>
      `{ mediaObject(id: ${l.s1}) { id firstReferencedByFlow referencedByFlows(limit: ${l.i1}, after: ${l.s2}) { nodes pageInfo { endCursor } } } }`,
    (l) =>
      `{ flowDeleteRequest(id: ${l.id}) { id status timerangeToDelete error { type summary } } flowDeleteRequests { id } }`,
    () =>
      `{ service { type apiVersion name description eventStreamMechanisms { name config } } storageBackends { id label } webhooks { url apiKeyName events } }`,
    (l) =>
      `{ flow(id: ${l.id}) { tag(name: ${l.s1}) source { id tag(name: ${l.s2}) } flowCollection { id role flow { id } } collectedBy } }`,
    (l) => `{ __type(name: ${l.s1}) { name fields { name } } __schema { queryType { name } } }`,
  ];
}

const readDocument = (fx: Fixtures) =>
  fc.tuple(fc.constantFrom(...readTemplates(fx)), literals(fx)).map(([template, l]): GraphQLOperation => ({
    query: template(l),
    mutation: false,
    intent: 'read with hostile literals',
  }));

const readWithVariables = (fx: Fixtures) =>
  fc.oneof(
    fc
      .record({
        id: fc.oneof(fc.constant<unknown>(fx.flow), variableValue),
        tr: fc.oneof(validTimerange, badTimerange, variableValue),
        limit: variableValue,
        after: variableValue,
      })
      .map((variables): GraphQLOperation => ({
        query:
          'query Q($id: ID!, $tr: TimeRange, $limit: Int, $after: String) { flow(id: $id) { id segments(timerange: $tr, limit: $limit, after: $after) { nodes { objectId } } } }',
        variables,
        mutation: false,
        intent: 'read with hostile variables',
      })),
    fc
      .record({
        f: fc.oneof(
          protoObject,
          fc.record({
            label: variableValue,
            timerange: variableValue,
            tags: fc.array(fc.record({ name: hostileString, value: hostileString }), { maxLength: 2000 }),
          }),
          hostileJsonValue,
        ),
        limit: variableValue,
      })
      .map((variables): GraphQLOperation => ({
        query: 'query($f: FlowFilter, $limit: Int) { flows(filter: $f, limit: $limit) { nodes { id } } }',
        variables,
        mutation: false,
        intent: 'flow filter variable with hostile members',
      })),
    fc.record({ f: fc.oneof(protoObject, hostileJsonValue) }).map((variables): GraphQLOperation => ({
      query: 'query($f: SourceFilter) { sources(filter: $f) { nodes { id } } }',
      variables,
      mutation: false,
      intent: 'source filter variable with hostile members',
    })),
    fc
      .record({ id: variableValue, limit: variableValue, after: variableValue })
      .map((variables): GraphQLOperation => ({
        query:
          'query($id: String!, $limit: Int, $after: String) { mediaObject(id: $id) { id referencedByFlows(limit: $limit, after: $after) { nodes } } }',
        variables,
        mutation: false,
        intent: 'media object variables',
      })),
    fc
      .record({ name: fc.oneof(fc.constant<unknown>(FIXTURE_TAG), variableValue) })
      .map((variables): GraphQLOperation => ({
        query: `query($name: String!) { flow(id: "${fx.flow}") { tag(name: $name) } source(id: "${fx.source}") { tag(name: $name) } }`,
        variables,
        mutation: false,
        intent: 'tag name variable',
      })),
  );

/** Documents that break the depth, alias, field-count or root-field limits, or the validator itself. */
const limitBreakers = fc.oneof(
  fc.integer({ min: 16, max: 80 }).map((depth): GraphQLOperation => {
    let inner = 'id';
    for (let i = 0; i < depth; i++)
      inner = i % 2 ? `source { flows { nodes { ${inner} } } }` : `flowCollection { flow { ${inner} } }`;
    return { query: `{ flows { nodes { ${inner} } } }`, mutation: false, intent: `nesting depth ${depth}` };
  }),
  fc.integer({ min: 16, max: 200 }).map((depth): GraphQLOperation => ({
    query: `{ __schema { types { ${'fields { type { ofType { '.repeat(depth)}name${' } } }'.repeat(depth)} } } }`,
    mutation: false,
    intent: `introspection depth ${depth}`,
  })),
  fc.integer({ min: 31, max: 600 }).map((n): GraphQLOperation => ({
    query: `{ service { ${Array.from({ length: n }, (_, i) => `a${i}: name`).join(' ')} } }`,
    mutation: false,
    intent: `${n} aliases`,
  })),
  fc.integer({ min: 21, max: 300 }).map((n): GraphQLOperation => ({
    query: `{ ${Array.from({ length: n }, (_, i) => `r${i}: flows { nodes { id } }`).join(' ')} }`,
    mutation: false,
    intent: `${n} root fields`,
  })),
  // Each fragment spreads the next twice: 2^n fields once expanded, from a document of n lines.
  fc.integer({ min: 8, max: 60 }).map((n): GraphQLOperation => {
    const fragments = Array.from(
      { length: n },
      (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`,
    );
    return {
      query: `query { ...F0 } ${fragments.join(' ')} fragment F${n} on Query { service { name } flows { nodes { id } } }`,
      mutation: false,
      intent: `fragment bomb 2^${n}`,
    };
  }),
  fc.integer({ min: 2, max: 50 }).map((n): GraphQLOperation => ({
    query: `query { ...C0 } ${Array.from({ length: n }, (_, i) => `fragment C${i} on Query { service { name } ...C${(i + 1) % n} }`).join(' ')}`,
    mutation: false,
    intent: `fragment cycle of ${n}`,
  })),
  fc.integer({ min: 1, max: 2000 }).map((n): GraphQLOperation => ({
    query: `{ service ${'@include(if: true) '.repeat(n)}@skip(if: "yes") @nope { name } }`,
    mutation: false,
    intent: `${n} directives`,
  })),
  fc.integer({ min: 2, max: 200 }).map((n): GraphQLOperation => ({
    query: Array.from({ length: n }, (_, i) => `query Q${i} { service { name } }`).join(' '),
    mutation: false,
    intent: `${n} operations, none chosen`,
  })),
  fc.constantFrom<GraphQLOperation>(
    { query: 'subscription { flowEvents { id } }', mutation: false, intent: 'subscription' },
    { query: '{ __typename }', mutation: false, intent: '__typename only' },
    { query: '{ _service { sdl } }', mutation: false, intent: 'federation internals' },
    {
      query: '{ _entities(representations: [{ __typename: "Flow", id: "x" }]) { __typename } }',
      mutation: false,
      intent: 'federation _entities',
    },
    { query: `{ flow(id: "x") { ...on Source { id } } }`, mutation: false, intent: 'impossible fragment' },
  ),
);

/**
 * Fragment shapes whose validation and query planning cost grows faster than the document (issue 10),
 * all beyond the gateway's fragment bounds (gateway/limits/fragments.ts: 100 definitions, nesting 10,
 * 500 spreads): refused with QUERY_TOO_COMPLEX before any of that work. A mutation behind such a chain
 * must be refused as well.
 */
function fragmentShapes(fx: Fixtures): fc.Arbitrary<GraphQLOperation> {
  const chain = (n: number, on: string, body: (i: number, next: string) => string) =>
    Array.from(
      { length: n },
      (_, i) => `fragment F${i} on ${on} { ${body(i, i + 1 < n ? `...F${i + 1}` : '')} }`,
    ).join(' ');
  return fc.oneof(
    fc.integer({ min: 11, max: 2000 }).map((n): GraphQLOperation => ({
      query: `{ ...F0 } ${chain(n, 'Query', (_, next) => next || '__typename')}`,
      mutation: false,
      intent: `fragment chain of ${n}`,
    })),
    fc.integer({ min: 11, max: 800 }).map((n): GraphQLOperation => ({
      query: `{ flows { nodes { ...F0 } } } ${chain(n, 'Flow', (_, next) => `id label ${next}`)}`,
      mutation: false,
      intent: `fragment chain of ${n} on a type with fields`,
    })),
    fc.integer({ min: 501, max: 3000 }).map((n): GraphQLOperation => ({
      query: `{ flows { nodes { ...A } } } fragment A on Flow { ${'...B '.repeat(n)}} fragment B on Flow { id }`,
      mutation: false,
      intent: `one fragment spread ${n} times`,
    })),
    fc.integer({ min: 101, max: 1000 }).map((n): GraphQLOperation => ({
      query:
        `{ flows { nodes { ${Array.from({ length: n }, (_, i) => `...D${i}`).join(' ')} } } } ` +
        Array.from({ length: n }, (_, i) => `fragment D${i} on Flow { id label }`).join(' '),
      mutation: false,
      intent: `${n} distinct fragments, each spread once`,
    })),
    fc.integer({ min: 11, max: 1000 }).map((n): GraphQLOperation => ({
      query: `{ ${'... on Query { '.repeat(n)}service { name }${' }'.repeat(n)} }`,
      mutation: false,
      intent: `inline fragments nested ${n} deep`,
    })),
    fc.integer({ min: 11, max: 300 }).map((n): GraphQLOperation => ({
      query: `mutation { ...F0 } ${chain(n, 'Mutation', (_, next) => next || `setSourceLabel(id: "${fx.source}", label: "through ${n} fragments") { id }`)}`,
      mutation: true,
      intent: `a mutation behind a fragment chain of ${n}`,
    })),
  );
}

/** Stand-ins for the fixtures and literals of a read template, for syntax garbage made of its text. */
const PLACEHOLDER_FIXTURES: Fixtures = {
  flow: 'f',
  readOnlyFlow: 'r',
  source: 's',
  objectId: 'o',
  deleteRequest: 'd',
  webhookUrl: 'w',
  ids: [],
};
const PLACEHOLDER_LITERALS: Lits = {
  id: '"x"',
  id2: '"y"',
  s1: '"a"',
  s2: '"b"',
  s3: '"c"',
  i1: '1',
  i2: '2',
  b: 'true',
  tr1: '"_"',
  tr2: '"_"',
  e: 'VIDEO',
};

/** Texts that are not GraphQL: garbage, truncations, unbalanced nesting, bad escapes, too many tokens. */
const syntaxGarbage = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom(...INJECTIONS),
  fc.tuple(fc.constantFrom(...readTemplates(PLACEHOLDER_FIXTURES)), fc.nat()).map(([t, at]) => {
    const doc = t(PLACEHOLDER_LITERALS);
    return doc.slice(0, at % doc.length);
  }),
  fc.integer({ min: 100, max: 9_000 }).map((n) => '{'.repeat(n)),
  fc.integer({ min: 100, max: 9_000 }).map((n) => `{ flows(filter: ${'['.repeat(n)}) { nodes { id } } }`),
  fc.integer({ min: 20_001, max: 60_000 }).map((n) => `{ ${'a '.repeat(n)}}`),
  fc.constantFrom(
    '{ flow(id: "unterminated) { id } }',
    '{ flow(id: """unterminated) { id } }',
    '{ flow(id: "\\x41") { id } }',
    '{ flow(id: "\\u{110000}") { id } }',
    '{ flow(id: "\\uD800") { id } }',
    '\uFEFF{ service { name } }',
    '{ service { name } }\u0000',
    `{ ${'a'.repeat(200_000)} }`,
    `# ${'c'.repeat(500_000)}\n{ service { name } }`,
    `{ flow(id: "${'x'.repeat(500_000)}") { id } }`,
    '{ service { name } } }',
    'query ($a: ID!) ($b: ID!) { service { name } }',
    'mutation',
    'query query query',
  ),
);

/** Every kind of hostile GraphQL operation, reads and poisoned mutations. */
export function graphqlOperations(fx: Fixtures): fc.Arbitrary<GraphQLOperation> {
  return fc
    .oneof(
      { weight: 4, arbitrary: readDocument(fx) },
      { weight: 2, arbitrary: readWithVariables(fx) },
      { weight: 2, arbitrary: limitBreakers },
      { weight: 1, arbitrary: fragmentShapes(fx) },
      {
        weight: 2,
        arbitrary: syntaxGarbage.map((query): GraphQLOperation => ({
          query,
          mutation: /mutation/.test(query),
          intent: 'not GraphQL',
        })),
      },
      { weight: 5, arbitrary: poisonedMutation(fx) },
    )
    .filter((op) => !LEAK_WORDS.test(op.query));
}
