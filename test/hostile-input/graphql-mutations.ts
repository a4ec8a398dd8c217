import fc from 'fast-check';
import type { Fixtures } from './fixtures.js';
import type { GraphQLOperation } from './graphql-documents.js';
import type { Lits } from './graphql-literals.js';
import { literals, variableValue } from './graphql-literals.js';
import { hostileJsonValue, protoObject, withOwnKey } from './hostile-json.js';
import { badId, hostileString, unknownUuid } from './hostile-values.js';

/**
 * Hostile GraphQL mutations, each certainly refused before it writes: the one mutation field, or every
 * one of several, is poisoned (an id that is no UUID, names nothing or is read-only, or a document the
 * gateway's validation refuses), or the variables are ones the gateway refuses to coerce. Hostile
 * values go in every other argument and variable.
 */

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
export function poisonedMutation(fx: Fixtures): fc.Arbitrary<GraphQLOperation> {
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
