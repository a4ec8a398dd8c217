import type { DocumentNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { getOperationAST, GraphQLError, Kind, OperationTypeNode } from 'graphql';

/**
 * Where an operation came from, which decides the operation types it may be: subscriptions are served
 * over graphql-ws only (the gateway cannot execute them over HTTP; it would answer 200 with an error).
 */
export type Transport = 'http' | 'graphql-ws' | 'in-process';

const ROOT_TYPE = {
  query: (s: GraphQLSchema) => s.getQueryType(),
  mutation: (s: GraphQLSchema) => s.getMutationType(),
  subscription: (s: GraphQLSchema) => s.getSubscriptionType(),
} as const;

function refused(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } },
  });
}

/** Why no operation of `document` was chosen for `operationName` (graphql-js getOperationAST's cases). */
function unresolved(document: DocumentNode, operationName: string | undefined): string {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).length;
  if (operationName !== undefined) return `Unknown operation named ${JSON.stringify(operationName)}.`;
  if (operations > 1) return 'Must provide operationName if the document contains several operations.';
  return 'The document contains no operation.';
}

/**
 * The operation of a valid document that runs (`operationName`, or its only one), or the refusal, 400
 * OPERATION_RESOLUTION_FAILURE: an unknown or missing operationName, an operation type the schema lacks,
 * a subscription anywhere but graphql-ws. A client's mistake, never left to the executor (the federated
 * gateway's throws, which would be a 500).
 */
export function resolveOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  transport: Transport,
): OperationDefinitionNode | GraphQLError {
  const operation = getOperationAST(document, operationName);
  if (!operation) return refused(unresolved(document, operationName ?? undefined));
  if (!ROOT_TYPE[operation.operation](schema))
    return refused(`This schema has no ${operation.operation} operations.`);
  if (operation.operation === OperationTypeNode.SUBSCRIPTION && transport !== 'graphql-ws')
    return refused('Subscriptions are served over graphql-ws (WebSocket) at this path, not over HTTP.');
  return operation;
}
