import fc from 'fast-check';
import type { Fixtures } from './fixtures.js';
import { FIXTURE_TAG } from './fixtures.js';
import { hostileJsonValue, protoObject, withOwnKey } from './hostile-json.js';
import {
  badId,
  badTimerange,
  hostileString,
  INJECTIONS,
  LEAK_WORDS,
  unknownUuid,
  validTimerange,
} from './hostile-values.js';

/**
 * Hostile GraphQL operations: queries (reads, which may be anything, limit breakers included) and
 * mutations that are certainly refused before they write (the one mutation field, or every one of
 * several, is poisoned), with hostile values in every other argument and variable.
 */
export interface GraphQLOperation {
  readonly query: string;
  readonly variables?: unknown;
  readonly mutation: boolean;
  readonly intent: string;
}

/** A GraphQL string literal (JSON escapes are GraphQL escapes), sometimes left unescaped to break the syntax. */
const stringLiteral = (s: fc.Arbitrary<string>) =>
  fc.tuple(s, fc.nat(15)).map(([v, how]) => (how === 0 ? `"${v}"` : JSON.stringify(v)));

/** Literals of the wrong kind for most arguments, deep lists and objects included. */
const oddLiteral = fc.oneof(
  fc.constantFrom(
    '0',
    '-1',
    '2147483648',
    '99999999999999999999',
    '1.5',
    '-0.0',
    '1e400',
    'true',
    'null',
    'VIDEO',
    'NOPE',
    '$undefinedVariable',
    '[]',
    '{}',
    '""',
    '"""block"""',
  ),
  fc
    .tuple(fc.integer({ min: 50, max: 4000 }), fc.boolean())
    .map(([depth, list]) =>
      list ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{a: '.repeat(depth)}1${'}'.repeat(depth)}`,
    ),
);

const str = fc.oneof(
  { weight: 4, arbitrary: stringLiteral(hostileString) },
  { weight: 1, arbitrary: oddLiteral },
);

function idLiteral(fx: Fixtures) {
  return fc.oneof(
    stringLiteral(fc.constantFrom(fx.flow, fx.readOnlyFlow, fx.source, fx.deleteRequest)),
    stringLiteral(unknownUuid(fx.ids)),
    stringLiteral(badId(fx.ids)),
    oddLiteral,
  );
}

const intLiteral = fc.oneof(
  fc.constantFrom('0', '-1', '1', '1000', '1001', '2147483647', '2147483648', '-2147483649'),
  oddLiteral,
);
const boolLiteral = fc.oneof(fc.constantFrom('true', 'false'), oddLiteral);
const timerangeLiteral = fc.oneof(stringLiteral(validTimerange), stringLiteral(badTimerange), oddLiteral);
const enumLiteral = fc.oneof(
  fc.constantFrom('VIDEO', 'AUDIO', 'MULTI', 'video', 'SMELL', '"VIDEO"'),
  oddLiteral,
);

type Lits = {
  id: string;
  id2: string;
  s1: string;
  s2: string;
  s3: string;
  i1: string;
  i2: string;
  b: string;
  tr1: string;
  tr2: string;
  e: string;
};

function literals(fx: Fixtures): fc.Arbitrary<Lits> {
  return fc.record({
    id: idLiteral(fx),
    id2: idLiteral(fx),
    s1: str,
    s2: str,
    s3: str,
    i1: intLiteral,
    i2: intLiteral,
    b: boolLiteral,
    tr1: timerangeLiteral,
    tr2: timerangeLiteral,
    e: enumLiteral,
  });
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

/** A JSON value for a variable: sometimes right-looking, often hostile, sometimes of another type. */
const variableValue = fc.oneof(hostileJsonValue, hostileString, protoObject);

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

/** Texts that are not GraphQL: garbage, truncations, unbalanced nesting, bad escapes, too many tokens. */
const syntaxGarbage = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom(...INJECTIONS),
  fc
    .tuple(
      fc.constantFrom(
        ...readTemplates({
          flow: 'f',
          readOnlyFlow: 'r',
          source: 's',
          objectId: 'o',
          deleteRequest: 'd',
          webhookUrl: 'w',
          ids: [],
        }),
      ),
      fc.nat(),
    )
    .map(([t, at]) => {
      const doc = t({
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
      });
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

/** A mutation root field: its id argument and the others (hostile literals). */
interface MutationField {
  readonly name: string;
  readonly idArg: 'id' | 'flowId';
  readonly args: (l: Lits, fx: Fixtures) => [string, string][];
  readonly select: string;
  /** An argument of a non-string type (input object, list of them, enum, Boolean): a string literal fails validation. */
  readonly typedArg?: string;
}

const flowInputLiteral = (l: Lits, fx: Fixtures) =>
  `{ sourceId: "${fx.source}", format: VIDEO, codec: "video/h264", label: ${l.s1}, tags: [{ name: ${l.s2}, value: ${l.s3} }], video: { frameWidth: 640, frameHeight: 360 }, additionalProperties: { x: ${l.s1} } }`;

const MUTATION_FIELDS: readonly MutationField[] = [
  {
    name: 'putFlow',
    idArg: 'id',
    args: (l, fx) => [['flow', flowInputLiteral(l, fx)]],
    select: '{ created flow { id } }',
    typedArg: 'flow',
  },
  { name: 'deleteFlow', idArg: 'id', args: () => [], select: '{ done }' },
  { name: 'setFlowLabel', idArg: 'id', args: (l) => [['label', l.s1]], select: '{ id }' },
  { name: 'setFlowDescription', idArg: 'id', args: (l) => [['description', l.s1]], select: '{ id }' },
  {
    name: 'setFlowTag',
    idArg: 'id',
    args: (l) => [
      ['name', l.s1],
      ['value', l.s2],
    ],
    select: '{ id }',
  },
  {
    name: 'setFlowReadOnly',
    idArg: 'id',
    args: (l) => [['readOnly', l.b]],
    select: '{ id }',
    typedArg: 'readOnly',
  },
  {
    name: 'setFlowCollection',
    idArg: 'id',
    args: (l) => [['items', `[{ id: ${l.id2}, role: ${l.s1} }]`]],
    select: '{ id }',
    typedArg: 'items',
  },
  {
    name: 'setFlowBitRate',
    idArg: 'id',
    args: (l) => [
      ['kind', 'MAXIMUM'],
      ['value', l.i1],
    ],
    select: '{ id }',
    typedArg: 'kind',
  },
  { name: 'setSourceLabel', idArg: 'id', args: (l) => [['label', l.s1]], select: '{ id }' },
  { name: 'setSourceDescription', idArg: 'id', args: (l) => [['description', l.s1]], select: '{ id }' },
  {
    name: 'setSourceTag',
    idArg: 'id',
    args: (l) => [
      ['name', l.s1],
      ['value', l.s2],
    ],
    select: '{ id }',
  },
  {
    name: 'allocateStorage',
    idArg: 'flowId',
    args: (l) => [['input', `{ limit: ${l.i1} }`]],
    select: '{ mediaObjects { objectId } }',
    typedArg: 'input',
  },
  {
    name: 'addSegments',
    idArg: 'flowId',
    args: (l) => [['segments', `[{ objectId: ${l.s1}, timerange: ${l.tr1} }]`]],
    select: '{ failed { index error { type } } }',
    typedArg: 'segments',
  },
  {
    name: 'deleteSegments',
    idArg: 'flowId',
    args: (l) => [
      ['timerange', l.tr1],
      ['objectId', l.s1],
    ],
    select: '{ done }',
  },
];

/** `name(args) { selection }`; `id` null leaves the id argument out. */
function fieldText(f: MutationField, id: string | null, args: [string, string][], select = f.select): string {
  const all = id === null ? args : [[f.idArg, id] as [string, string], ...args];
  return `${f.name}(${all.map(([k, v]) => `${k}: ${v}`).join(', ')}) ${select}`;
}

/** The two mutations without an id: only validation can poison them. */
const GLOBAL_MUTATIONS = [
  (l: Lits) => `registerWebhook(input: { url: 42, events: [${l.s1}] }) { status }`,
  (l: Lits) => `registerWebhook(input: { url: ${l.s1} }) { status }`,
  (l: Lits) => `registerWebhook(input: { url: ${l.s1}, events: [], bogus: 1 }) { status }`,
  (l: Lits) => `registerWebhook(input: { url: ${l.s1}, events: [${l.s2}], presigned: "yes" }) { status }`,
  (l: Lits) => `setServiceInfo(name: 42, description: ${l.s1}) { name }`,
  (l: Lits) => `setServiceInfo(name: ${l.s1}, bogus: true) { name }`,
  (l: Lits) => `setServiceInfo(description: ${l.s1}) { name nope }`,
];

/**
 * One mutation root field that is certainly refused before it writes: an id that is no UUID, names
 * nothing or is read-only (refused by the domain), or a document the gateway's validation refuses (a
 * typed argument given a string, an unknown argument, a missing id, an unknown field selected).
 */
function poisonedField(fx: Fixtures): fc.Arbitrary<{ text: string; intent: string }> {
  const field = fc.constantFrom(...MUTATION_FIELDS);
  const flow = JSON.stringify(fx.flow);
  return fc.oneof(
    fc.tuple(field, literals(fx), badId(fx.ids)).map(([f, l, id]) => ({
      text: fieldText(f, JSON.stringify(id), f.args(l, fx)),
      intent: `${f.name}: id is not a UUID`,
    })),
    fc
      .tuple(
        // putFlow creates at an unknown id; setFlowReadOnly is allowed on a read-only flow.
        fc.constantFrom(...MUTATION_FIELDS.filter((f) => f.name !== 'putFlow')),
        literals(fx),
        fc.oneof(
          unknownUuid(fx.ids).map((id) => ({ id, why: 'names nothing' })),
          fc.constant({ id: fx.readOnlyFlow, why: 'is read-only' }),
        ),
      )
      .filter(
        ([f, , { why }]) =>
          !(why === 'is read-only' && (f.name.startsWith('setSource') || f.name === 'setFlowReadOnly')),
      )
      .map(([f, l, { id, why }]) => ({
        text: fieldText(f, JSON.stringify(id), f.args(l, fx)),
        intent: `${f.name}: the id ${why}`,
      })),
    fc
      .tuple(fc.constantFrom(...MUTATION_FIELDS.filter((f) => f.typedArg)), literals(fx), hostileString)
      .map(([f, l, s]) => ({
        text: fieldText(
          f,
          flow,
          f.args(l, fx).map(([k, v]): [string, string] => [k, k === f.typedArg ? JSON.stringify(s) : v]),
        ),
        intent: `${f.name}: ${f.typedArg} is a string`,
      })),
    fc.tuple(field, literals(fx)).map(([f, l]) => ({
      text: fieldText(f, flow, [...f.args(l, fx), ['bogusArgument', '1']]),
      intent: `${f.name}: unknown argument`,
    })),
    fc
      .tuple(field, literals(fx))
      .map(([f, l]) => ({ text: fieldText(f, null, f.args(l, fx)), intent: `${f.name}: id missing` })),
    fc.tuple(field, literals(fx)).map(([f, l]) => ({
      text: fieldText(f, flow, f.args(l, fx), `{ nope ${f.select.slice(1)}`),
      intent: `${f.name}: unknown field selected`,
    })),
    fc
      .tuple(fc.constantFrom(...GLOBAL_MUTATIONS), literals(fx))
      .map(([m, l]) => ({ text: m(l), intent: 'webhook or service mutation that fails validation' })),
  );
}

/** Variables the gateway refuses to coerce (so nothing runs): ids of the wrong JSON type, inputs missing required members. */
function poisonedVariables(fx: Fixtures): fc.Arbitrary<GraphQLOperation> {
  const notAnId = fc.oneof(
    fc.constantFrom<unknown>(null, true, false, 1.5, [], {}, [fx.flow], { id: fx.flow }),
    protoObject,
    fc.array(hostileJsonValue, { minLength: 1, maxLength: 3 }),
  );
  return fc.oneof(
    fc.tuple(notAnId, variableValue).map(([id, v]) => ({
      query: 'mutation M($id: ID!, $v: String) { setFlowLabel(id: $id, label: $v) { id } }',
      variables: { id, v },
      mutation: true,
      intent: 'id variable of the wrong type',
    })),
    fc.tuple(notAnId, variableValue, variableValue).map(([id, tr, o]) => ({
      query:
        'mutation($id: ID!, $tr: TimeRange, $o: String) { deleteSegments(flowId: $id, timerange: $tr, objectId: $o) { done } }',
      variables: { id, tr, o },
      mutation: true,
      intent: 'deleteSegments with an id variable of the wrong type',
    })),
    fc.tuple(notAnId, fc.oneof(protoObject, hostileJsonValue)).map(([id, flow]) => ({
      query: 'mutation($id: ID!, $flow: FlowInput!) { putFlow(id: $id, flow: $flow) { created } }',
      variables: withOwnKey({ id, flow }, '__proto__', { id: fx.flow }),
      mutation: true,
      intent: 'putFlow with an id variable of the wrong type',
    })),
    // Valid id, but the input lacks its required members (sourceId, format): the gateway refuses it.
    fc.tuple(protoObject, hostileString).map(([extra, label]) => ({
      query: 'mutation($id: ID!, $flow: FlowInput!) { putFlow(id: $id, flow: $flow) { created } }',
      variables: { id: fx.flow, flow: { ...extra, label } },
      mutation: true,
      intent: 'putFlow input without sourceId and format',
    })),
    fc.tuple(fc.oneof(jsonWithout('url'), fc.constant<unknown>('x')), hostileString).map(([input, s]) => ({
      query: 'mutation($input: WebhookInput!) { registerWebhook(input: $input) { status } }',
      variables: { input: typeof input === 'object' && input !== null ? { ...input, events: [s] } : input },
      mutation: true,
      intent: 'webhook input without url',
    })),
    fc
      .tuple(
        fc.oneof(fc.integer(), fc.boolean(), fc.constant<unknown>({}), fc.constant<unknown>([1])),
        variableValue,
      )
      .map(([name, description]) => ({
        query:
          'mutation($name: String, $description: String) { setServiceInfo(name: $name, description: $description) { name } }',
        variables: { name, description },
        mutation: true,
        intent: 'service name variable that is not a string',
      })),
  );
}

/** A hostile object certainly without `key`. */
const jsonWithout = (key: string) =>
  fc
    .dictionary(
      hostileString.filter((k) => k !== key),
      hostileJsonValue,
      { maxKeys: 3 },
    )
    .map((o): unknown => o);

/** Mutation documents: one poisoned field, several (all poisoned), or poisoned variables. */
function poisonedMutation(fx: Fixtures): fc.Arbitrary<GraphQLOperation> {
  return fc.oneof(
    {
      weight: 5,
      arbitrary: poisonedField(fx).map(({ text, intent }) => ({
        query: `mutation { ${text} }`,
        mutation: true,
        intent,
      })),
    },
    {
      weight: 1,
      arbitrary: fc.array(poisonedField(fx), { minLength: 2, maxLength: 5 }).map((fields) => ({
        query: `mutation Many { ${fields.map((f, i) => `m${i}: ${f.text}`).join(' ')} }`,
        mutation: true,
        intent: `several mutations: ${fields.map((f) => f.intent).join('; ')}`,
      })),
    },
    { weight: 3, arbitrary: poisonedVariables(fx) },
  );
}

/** Every kind of hostile GraphQL operation, reads and poisoned mutations. */
export function graphqlOperations(fx: Fixtures): fc.Arbitrary<GraphQLOperation> {
  return fc
    .oneof(
      { weight: 4, arbitrary: readDocument(fx) },
      { weight: 2, arbitrary: readWithVariables(fx) },
      { weight: 2, arbitrary: limitBreakers },
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
