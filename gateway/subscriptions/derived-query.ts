import type {
  ArgumentNode,
  ASTNode,
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLSchema,
  OperationDefinitionNode,
} from 'graphql';
import {
  getArgumentValues,
  getVariableValues,
  GraphQLError,
  Kind,
  OperationTypeNode,
  print,
  visit,
} from 'graphql';
import type { FieldArguments, SubscriptionField } from './subscription-fields.js';
import { SUBSCRIPTION_FIELDS } from './subscription-fields.js';

/** A subscription turned into what runs on each event: a query through the gateway, and its arguments. */
export interface DerivedQuery {
  /** The subscription with its root field replaced by the lookup field, aliased back. */
  readonly document: DocumentNode;
  /** Its text: with the variables, what identical subscribers share (shared-runs.ts). */
  readonly query: string;
  readonly operationName: string | undefined;
  readonly field: SubscriptionField;
  /** The subscription field's arguments, coerced (defaults applied): what decides which events concern it. */
  readonly args: FieldArguments;
  /** The entity key (`id`) of a field that has one. */
  readonly id: string | null;
  /** The variables the derived query uses (the others served the subscription field's own arguments). */
  readonly variables: Readonly<Record<string, unknown>>;
  /** For event fields: the variable that carries the event's position (a decimal string). */
  readonly positionVariable: string | null;
}

/**
 * Rewrites a validated subscription (one root field, as the spec's validation ensures) into the query
 * that resolves its selection: `subscription { f: flowUpdated(id: $x) { ... } }` becomes
 * `query { f: flow(id: $x) { ... } }`, fragments and variables kept, so results have the shape the
 * subscriber asked for. Arguments the lookup field does not define (a filter, pacing) stay with the
 * subscription; an event field's lookup gets `position: $<variable>` instead. Done once per
 * subscription (each subscribe parses its own document).
 */
export function deriveQuery(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | null | undefined,
): DerivedQuery {
  const root = operation.selectionSet.selections[0];
  if (operation.selectionSet.selections.length !== 1 || root?.kind !== Kind.FIELD)
    throw refusal('a subscription selects exactly one field, without fragments at its root');
  const field = SUBSCRIPTION_FIELDS[root.name.value];
  const definition = schema.getSubscriptionType()?.getFields()[root.name.value];
  const lookup = field && schema.getQueryType()?.getFields()[field.lookup];
  if (!field || !definition || !lookup)
    throw refusal(`the subscription field ${root.name.value} is not served`);
  // Coerced as execution would: defaults applied, an ID sent as a number read as its string.
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], { ...variables });
  if (coerced.errors) {
    const [first] = coerced.errors;
    throw refusal(first?.message ?? 'the variables do not fit the operation');
  }
  let args: FieldArguments;
  try {
    args = getArgumentValues(definition, root, coerced.coerced);
  } catch (error) {
    throw refusal(error instanceof Error ? error.message : String(error));
  }
  const id = field.kind === 'state' && field.key ? args[field.key] : null;
  if (field.kind === 'state' && field.key && typeof id !== 'string')
    throw refusal(`the subscription field ${root.name.value} needs an id`);

  const taken = new Set((operation.variableDefinitions ?? []).map((d) => d.variable.name.value));
  let positionVariable: string | null = null;
  let variableDefinitions = operation.variableDefinitions ?? [];
  let lookupArguments: readonly ArgumentNode[];
  if (field.kind === 'events') {
    positionVariable = 'storeEventPosition';
    while (taken.has(positionVariable)) positionVariable += '_';
    const name = { kind: Kind.NAME, value: positionVariable } as const;
    variableDefinitions = [
      ...variableDefinitions,
      {
        kind: Kind.VARIABLE_DEFINITION,
        variable: { kind: Kind.VARIABLE, name },
        type: {
          kind: Kind.NON_NULL_TYPE,
          type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'String' } },
        },
      },
    ];
    lookupArguments = [
      {
        kind: Kind.ARGUMENT,
        name: { kind: Kind.NAME, value: 'position' },
        value: { kind: Kind.VARIABLE, name },
      },
    ];
  } else {
    const accepted = new Set(lookup.args.map((a) => a.name));
    lookupArguments = (root.arguments ?? []).filter((a) => accepted.has(a.name.value));
  }

  const renamed: FieldNode = {
    ...root,
    alias: root.alias ?? { kind: Kind.NAME, value: root.name.value },
    name: { kind: Kind.NAME, value: field.lookup },
    arguments: lookupArguments,
  };
  const fragments = fragmentsUsedBy(document, operation);
  const selectionSet = { ...operation.selectionSet, selections: [renamed] };
  // Variables only the subscription's own arguments used would fail NoUnusedVariables.
  const used = variablesUsedBy([selectionSet, ...fragments]);
  const derived: OperationDefinitionNode = {
    ...operation,
    operation: OperationTypeNode.QUERY,
    variableDefinitions: variableDefinitions.filter((d) => used.has(d.variable.name.value)),
    selectionSet,
  };
  // Only this operation runs, with the fragments it uses: others would fail NoUnusedFragments.
  const derivedDocument: DocumentNode = { kind: Kind.DOCUMENT, definitions: [derived, ...fragments] };
  const kept = Object.fromEntries(
    Object.entries(variables ?? {}).filter(([name]) => used.has(name) && name !== positionVariable),
  );
  return {
    document: derivedDocument,
    query: print(derivedDocument),
    operationName: operation.name?.value,
    field,
    args,
    id: typeof id === 'string' ? id : null,
    variables: kept,
    positionVariable,
  };
}

/** The names of the variables `nodes` refer to. */
function variablesUsedBy(nodes: readonly ASTNode[]): Set<string> {
  const names = new Set<string>();
  for (const node of nodes)
    visit(node, {
      Variable(variable) {
        names.add(variable.name.value);
      },
    });
  return names;
}

/** The fragment definitions `operation` spreads, directly or through other fragments. */
function fragmentsUsedBy(
  document: DocumentNode,
  operation: OperationDefinitionNode,
): FragmentDefinitionNode[] {
  const definitions = new Map(
    document.definitions.flatMap((d) =>
      d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [],
    ),
  );
  const used = new Map<string, FragmentDefinitionNode>();
  const walk = (node: ASTNode) =>
    visit(node, {
      FragmentSpread(spread) {
        const name = spread.name.value;
        const fragment = definitions.get(name);
        if (!fragment || used.has(name)) return;
        used.set(name, fragment);
        walk(fragment);
      },
    });
  walk(operation);
  return [...used.values()];
}

function refusal(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}
