import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { DocumentNode } from 'graphql';
import { GraphQLError, Kind, OperationTypeNode } from 'graphql';

const ROOT_TYPE = {
  query: (s: { getQueryType(): unknown }) => s.getQueryType(),
  mutation: (s: { getMutationType(): unknown }) => s.getMutationType(),
  subscription: (s: { getSubscriptionType(): unknown }) => s.getSubscriptionType(),
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
 * Answers 400 (OPERATION_RESOLUTION_FAILURE) when a valid document names no runnable operation: an
 * unknown or missing operationName, an operation type the schema lacks, or a subscription (served over
 * graphql-ws, never over HTTP).
 *
 * Why: Apollo Server leaves these to the executor, and the federated gateway's executor throws
 * instead of returning errors, which Apollo reports as a 500. A client's mistake is a 4xx.
 */
export function operationResolutionPlugin<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
  return {
    requestDidStart() {
      return Promise.resolve({
        didResolveOperation({ document, operation, request, schema }) {
          if (!operation) throw refused(unresolved(document, request.operationName ?? undefined));
          if (!ROOT_TYPE[operation.operation](schema))
            throw refused(`This schema has no ${operation.operation} operations.`);
          // The gateway cannot execute them (it would answer 200 with an error): they are served by
          // graphql-ws, on the same path.
          if (operation.operation === OperationTypeNode.SUBSCRIPTION)
            throw refused(
              'Subscriptions are served over graphql-ws (WebSocket) at this path, not over HTTP.',
            );
          return Promise.resolve();
        },
      });
    },
  };
}
