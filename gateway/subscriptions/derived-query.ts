import type {
  ASTNode,
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLSchema,
  OperationDefinitionNode,
} from 'graphql';
import {
  getVariableValues,
  GraphQLError,
  Kind,
  OperationTypeNode,
  print,
  valueFromAST,
  visit,
} from 'graphql';
import type { SubscriptionField } from './subscription-fields.js';
import { SUBSCRIPTION_FIELDS } from './subscription-fields.js';

/** A subscription turned into what runs on each event: a query through the gateway, and its entity key. */
export interface DerivedQuery {
  /** The subscription with its root field replaced by the lookup field, aliased back. */
  readonly document: DocumentNode;
  /** Its text: with the variables, what identical subscribers share (shared-runs.ts). */
  readonly query: string;
  readonly operationName: string | undefined;
  readonly field: SubscriptionField;
  /** The `id` argument's value: the entity whose events matter. */
  readonly id: string;
}

/**
 * Rewrites a validated subscription (one root field, as the spec's validation ensures) into the query
 * that resolves its selection: `subscription { f: flowUpdated(id: $x) { ... } }` becomes
 * `query { f: flow(id: $x) { ... } }`, fragments and variables kept, so results have the shape the
 * subscriber asked for. Done once per subscription (each subscribe parses its own document).
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
  if (!field) throw refusal(`the subscription field ${root.name.value} is not served`);
  // Coerced as execution would: defaults applied, an ID sent as a number read as its string.
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], { ...variables });
  if (coerced.errors) {
    const [first] = coerced.errors;
    throw refusal(first?.message ?? 'the variables do not fit the operation');
  }
  const idArgument = root.arguments?.find((a) => a.name.value === 'id');
  const idType = schema
    .getSubscriptionType()
    ?.getFields()
    [root.name.value]?.args.find((a) => a.name === 'id');
  const id: unknown =
    idArgument && idType ? valueFromAST(idArgument.value, idType.type, coerced.coerced) : undefined;
  if (typeof id !== 'string') throw refusal(`the subscription field ${root.name.value} needs an id`);

  const renamed: FieldNode = {
    ...root,
    alias: root.alias ?? { kind: Kind.NAME, value: root.name.value },
    name: { kind: Kind.NAME, value: field.lookup },
  };
  const derived: OperationDefinitionNode = {
    ...operation,
    operation: OperationTypeNode.QUERY,
    selectionSet: { ...operation.selectionSet, selections: [renamed] },
  };
  // Only this operation runs, with the fragments it uses: others would fail NoUnusedFragments.
  const derivedDocument: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [derived, ...fragmentsUsedBy(document, operation)],
  };
  return {
    document: derivedDocument,
    query: print(derivedDocument),
    operationName: operation.name?.value,
    field,
    id,
  };
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
