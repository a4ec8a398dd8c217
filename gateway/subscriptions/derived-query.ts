import type { DocumentNode, FieldNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { GraphQLError, Kind, print, valueFromAST, visit } from 'graphql';
import type { SubscriptionField } from './subscription-fields.js';
import { SUBSCRIPTION_FIELDS } from './subscription-fields.js';

/** A subscription turned into what runs on each event: a query through the gateway, and its entity key. */
export interface DerivedQuery {
  /** The query text: the subscription with its root field replaced by the lookup field, aliased back. */
  readonly query: string;
  readonly operationName: string | undefined;
  readonly field: SubscriptionField;
  /** The `id` argument's value: the entity whose events matter. */
  readonly id: string;
}

const derivedTexts = new WeakMap<OperationDefinitionNode, string>();

/**
 * Rewrites a validated subscription (one root field, as the spec's validation ensures) into the query
 * that resolves its selection: `subscription { f: flowUpdated(id: $x) { ... } }` becomes
 * `query { f: flow(id: $x) { ... } }`, fragments and variables kept, so results have the shape the
 * subscriber asked for. The text is cached per operation.
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
  const idArgument = root.arguments?.find((a) => a.name.value === 'id');
  const idType = schema
    .getSubscriptionType()
    ?.getFields()
    [root.name.value]?.args.find((a) => a.name === 'id');
  const id: unknown =
    idArgument && idType ? valueFromAST(idArgument.value, idType.type, variables) : undefined;
  if (typeof id !== 'string') throw refusal(`the subscription field ${root.name.value} needs an id`);

  let query = derivedTexts.get(operation);
  if (query === undefined) {
    const renamed: FieldNode = {
      ...root,
      alias: root.alias ?? { kind: Kind.NAME, value: root.name.value },
      name: { kind: Kind.NAME, value: field.lookup },
    };
    const derived = visit(document, {
      OperationDefinition(node) {
        if (node !== operation) return null; // other operations of the document are not run
        return { ...node, operation: 'query', selectionSet: { ...node.selectionSet, selections: [renamed] } };
      },
    });
    query = print(derived);
    derivedTexts.set(operation, query);
  }
  return { query, operationName: operation.name?.value, field, id };
}

function refusal(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}
