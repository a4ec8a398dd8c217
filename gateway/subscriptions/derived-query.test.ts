import type { DocumentNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import {
  buildASTSchema,
  extendSchema,
  getOperationAST,
  GraphQLError,
  Kind,
  parse,
  print,
  validate,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { loadSdl } from '../../subgraphs/sdl.js';
import type { DerivedQuery } from './derived-query.js';
import { deriveQuery } from './derived-query.js';
import { SUBSCRIPTION_FIELDS } from './subscription-fields.js';

/** The committed supergraph as a schema: its Query and Subscription types are the API's. */
const schema = buildASTSchema(parse(loadSdl('supergraph').text), { assumeValidSDL: true });

/** The operation to derive: the named one, or the document's only one. */
function operationOf(document: DocumentNode, name?: string): OperationDefinitionNode {
  const operation = getOperationAST(document, name);
  if (!operation) throw new Error(`no operation ${name ?? ''}`);
  return operation;
}

/** Validates the subscription (as the server does before deriving), then derives it. */
function derive(
  text: string,
  variables?: Record<string, unknown> | null,
  operationName?: string,
  on: GraphQLSchema = schema,
): DerivedQuery {
  const document = parse(text);
  expect(validate(on, document).map((e) => e.message)).toEqual([]);
  return deriveQuery(on, document, operationOf(document, operationName), variables);
}

/** The derived text is a valid query of the same schema, with exactly one operation. */
function expectValidQuery(derived: DerivedQuery, on: GraphQLSchema = schema): void {
  const document = parse(derived.query);
  expect(validate(on, document).map((e) => e.message)).toEqual([]);
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  expect(operations).toHaveLength(1);
  expect(operationOf(document, derived.operationName).operation).toBe('query');
}

const normalized = (text: string) => print(parse(text));

function refusal(fn: () => unknown): GraphQLError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GraphQLError);
    expect((error as GraphQLError).extensions['code']).toBe('BAD_USER_INPUT');
    return error as GraphQLError;
  }
  throw new Error('expected a BAD_USER_INPUT refusal');
}

describe('deriveQuery', () => {
  it('keeps the alias and renames the root field to its lookup, variables kept', () => {
    const derived = derive(
      'subscription Watch($id: ID!) { mine: flowUpdated(id: $id) { id label tags { name value } } }',
      { id: 'flow-1' },
    );
    expect(derived.query).toBe(
      normalized('query Watch($id: ID!) { mine: flow(id: $id) { id label tags { name value } } }'),
    );
    expect(derived.operationName).toBe('Watch');
    expect(derived.field).toBe(SUBSCRIPTION_FIELDS['flowUpdated']);
    expect(derived.id).toBe('flow-1');
    expectValidQuery(derived);
  });

  it('uses the root field name as the alias when there is none, so results keep their shape', () => {
    const derived = derive('subscription { sourceUpdated(id: "source-1") { id label } }');
    expect(derived.query).toBe(normalized('query { sourceUpdated: source(id: "source-1") { id label } }'));
    expect(derived.operationName).toBeUndefined();
    expect(derived.field).toBe(SUBSCRIPTION_FIELDS['sourceUpdated']);
    expect(derived.field.lookup).toBe('source');
    expect(derived.id).toBe('source-1');
    expectValidQuery(derived);
  });

  it('keeps only the chosen operation of a document, with its fragments and variables', () => {
    const text = `
      query Other($x: ID!) { flow(id: $x) { id } }
      subscription First { flowUpdated(id: "a") { ...FlowParts } }
      subscription Second($id: ID!, $name: String!, $limit: Int) {
        s: sourceUpdated(id: $id) { ...SourceParts flows(limit: $limit) { nodes { ...FlowParts tag(name: $name) } } }
      }
      fragment SourceParts on Source { id label ...More }
      fragment More on Source { description }
      fragment FlowParts on Flow { id codec }
    `;
    const second = derive(text, { id: 'source-9', name: 'genre', limit: 3 }, 'Second');
    expect(second.query).toBe(
      normalized(`
        query Second($id: ID!, $name: String!, $limit: Int) {
          s: source(id: $id) { ...SourceParts flows(limit: $limit) { nodes { ...FlowParts tag(name: $name) } } }
        }
        fragment SourceParts on Source { id label ...More }
        fragment More on Source { description }
        fragment FlowParts on Flow { id codec }
      `),
    );
    expect(second.operationName).toBe('Second');
    expect(second.id).toBe('source-9');
    expectValidQuery(second);

    const first = derive(text, null, 'First');
    expect(first.query).toBe(
      normalized(`
        query First { flowUpdated: flow(id: "a") { ...FlowParts } }
        fragment FlowParts on Flow { id codec }
      `),
    );
    expectValidQuery(first); // the fragments only Second uses are dropped
    expect(first.operationName).toBe('First');
    expect(first.id).toBe('a');
    expect(first.field).toBe(SUBSCRIPTION_FIELDS['flowUpdated']);
  });

  it('does not change the document it was given', () => {
    const document = parse('subscription S { flowUpdated(id: "a") { id } }');
    const before = print(document);
    deriveQuery(schema, document, operationOf(document), null);
    expect(print(document)).toBe(before);
    expect(operationOf(document).operation).toBe('subscription');
  });

  it('takes the id from a literal, coerced to an ID string', () => {
    expect(derive('subscription { flowUpdated(id: "lit") { id } }').id).toBe('lit');
    expect(derive('subscription { flowUpdated(id: 42) { id } }').id).toBe('42');
  });

  it('takes the id from a variable, per call, with the same text for every call', () => {
    const document = parse('subscription W($f: ID!) { flowUpdated(id: $f) { id } }');
    const operation = operationOf(document);
    const a = deriveQuery(schema, document, operation, { f: 'one' });
    const b = deriveQuery(schema, document, operation, { f: 'two' });
    expect([a.id, b.id]).toEqual(['one', 'two']);
    expect(b.query).toBe(a.query);
    expect(a.query).toBe(normalized('query W($f: ID!) { flowUpdated: flow(id: $f) { id } }'));
  });

  it('refuses a subscription whose id is missing or null', () => {
    const document = parse('subscription W($f: ID!) { flowUpdated(id: $f) { id } }');
    const operation = operationOf(document);
    // Refused as execution would refuse them: the required variable is missing or null.
    for (const variables of [undefined, null, {}, { f: null }, { other: 'x' }]) {
      const error = refusal(() => deriveQuery(schema, document, operation, variables));
      expect(error.message).toMatch(
        /Variable "\$f" of non-null type "ID!"|Variable "\$f" of required type "ID!"/,
      );
    }
    // Not valid against the schema, but deriveQuery stands on its own: no id argument at all.
    const bare = parse('subscription { sourceUpdated { id } }');
    expect(refusal(() => deriveQuery(schema, bare, operationOf(bare), null)).message).toContain(
      'Argument "id" of required type "ID!" was not provided',
    );
    const nulled = parse('subscription { sourceUpdated(id: null) { id } }');
    refusal(() => deriveQuery(schema, nulled, operationOf(nulled), null));
  });

  it('refuses a subscription field it does not serve', () => {
    const extended = extendSchema(
      schema,
      parse('extend type Subscription { segmentsAdded(id: ID!): Flow }'),
      { assumeValidSDL: true },
    );
    expect(SUBSCRIPTION_FIELDS).not.toHaveProperty('segmentsAdded');
    const error = refusal(() =>
      derive('subscription { segmentsAdded(id: "f") { id } }', null, undefined, extended),
    );
    expect(error.message).toContain('segmentsAdded is not served');
  });

  it('refuses a root selection that is not exactly one field', () => {
    // Invalid per the spec (single root field), but refused here too rather than half-derived.
    for (const text of [
      'subscription { a: flowUpdated(id: "a") { id } b: flowUpdated(id: "b") { id } }',
      'subscription { ...Root } fragment Root on Subscription { flowUpdated(id: "a") { id } }',
      'subscription { ... on Subscription { flowUpdated(id: "a") { id } } }',
    ]) {
      const document = parse(text);
      refusal(() => deriveQuery(schema, document, operationOf(document), null));
    }
  });

  it('derives a valid query when a fragment is used only by another operation', () => {
    const derived = derive(
      `
        query Other { flows { nodes { ...FlowParts } } }
        subscription Watch { flowUpdated(id: "a") { id } }
        fragment FlowParts on Flow { label }
      `,
      null,
      'Watch',
    );
    // Today the fragment is kept, unused: the gateway refuses the query ("Fragment "FlowParts" is never used").
    expectValidQuery(derived);
  });

  it('takes the id from a variable default when the variable is not given', () => {
    expect(derive('subscription W($f: ID! = "dflt") { flowUpdated(id: $f) { id } }', {}).id).toBe('dflt');
  });

  it('takes the id from a variable given as an integer, as ID input coercion allows', () => {
    expect(derive('subscription W($f: ID!) { flowUpdated(id: $f) { id } }', { f: 7 }).id).toBe('7');
  });

  it('passes on only the arguments the lookup defines: pacing stays with the subscription', () => {
    const derived = derive(
      'subscription L($f: ID!, $every: Float) { flowStats(id: $f, interval: $every, heartbeat: 30) { stats { segmentCount } } }',
      { f: 'a', every: 2.5 },
    );
    expect(derived.query).toBe(
      normalized('query L($f: ID!) { flowStats: flow(id: $f) { stats { segmentCount } } }'),
    );
    expectValidQuery(derived);
    expect(derived.id).toBe('a');
    expect(derived.args).toEqual({ id: 'a', interval: 2.5, heartbeat: 30 });
    // Only the variables the derived query uses: subscribers differing in pacing share its runs.
    expect(derived.variables).toEqual({ f: 'a' });
    expect(derived.field.kind === 'state' && derived.field.pacing?.(derived.args)).toEqual({
      minIntervalMs: 2500,
      heartbeatMs: 30_000,
    });
  });

  it('clamps pacing so a client cannot ask for a busy loop', () => {
    const derived = derive('subscription { flowStats(id: "a", interval: 0, heartbeat: 0.01) { id } }');
    expect(derived.field.kind === 'state' && derived.field.pacing?.(derived.args)).toEqual({
      minIntervalMs: 100,
      heartbeatMs: 1000,
    });
    const quiet = derive('subscription { flowStats(id: "a", heartbeat: null) { id } }');
    expect(quiet.field.kind === 'state' && quiet.field.pacing?.(quiet.args)).toEqual({
      minIntervalMs: 1000,
      heartbeatMs: null,
    });
  });

  it('derives a store-wide field without a key', () => {
    const derived = derive('subscription { storeTotals(interval: 5) { totals { flows } } }');
    expect(derived.query).toBe(normalized('{ storeTotals: analytics { totals { flows } } }'));
    expect(derived.id).toBeNull();
    expectValidQuery(derived);
  });

  it('runs an event field per event: its lookup takes the position variable, the filter stays', () => {
    const derived = derive(
      'subscription E($filter: StoreEventFilter) { storeEvents(filter: $filter) { type flow { id stats { segmentCount } } } }',
      { filter: { types: ['FLOW_CREATED'] } },
    );
    expect(derived.positionVariable).toBe('storeEventPosition');
    expect(derived.query).toBe(
      normalized(
        'query E($storeEventPosition: String!) { storeEvents: storeEvent(position: $storeEventPosition) { type flow { id stats { segmentCount } } } }',
      ),
    );
    expectValidQuery(derived);
    expect(derived.args).toEqual({ filter: { types: ['FLOW_CREATED'] } });
    expect(derived.variables).toEqual({});
    // A variable of the subscription with the same name is left alone.
    const clash = derive(
      'subscription ($storeEventPosition: ID!) { storeEvents(filter: { flowIds: [$storeEventPosition] }) { position } }',
      { storeEventPosition: 'f' },
    );
    expect(clash.positionVariable).toBe('storeEventPosition_');
    expect(clash.args).toEqual({ filter: { flowIds: ['f'] } });
    expectValidQuery(clash);
  });

  it('refuses a filter argument that does not coerce', () => {
    const document = parse(
      'subscription ($t: [StoreEventType!]) { storeEvents(filter: { types: $t }) { position } }',
    );
    expect(validate(schema, document)).toEqual([]);
    refusal(() => deriveQuery(schema, document, operationOf(document), { t: ['NOT_A_TYPE'] }));
  });
});
