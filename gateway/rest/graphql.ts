import type { ApolloServer } from '@apollo/server';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { DocumentNode } from 'graphql';
import { Kind, print } from 'graphql';
import type { GatewayContext } from '../graphql-servers.js';
import { INTERNAL_CODES } from '../format-error.js';
import { errorOfCode, restStatusOf } from './errors.js';

/** Runs one of the REST shim's typed operations in process through the gateway, as the REST request's caller. */
export interface GraphQLRunner {
  run<R, V>(document: TypedDocumentNode<R, V>, variables?: V): Promise<R>;
}

/**
 * The text Apollo Server is given for each document, printed once: `executeOperation` would print a
 * DocumentNode on every call, and its document cache is keyed by that text anyway.
 */
const printed = new WeakMap<DocumentNode, string>();

function textOf(document: DocumentNode): string {
  let text = printed.get(document);
  if (text === undefined) {
    text = print(document);
    printed.set(document, text);
  }
  return text;
}

export function graphqlRunner(server: ApolloServer<GatewayContext>, context: GatewayContext): GraphQLRunner {
  return {
    async run<R, V>(document: TypedDocumentNode<R, V>, variables?: V): Promise<R> {
      const response = await server.executeOperation(
        { query: textOf(document), variables: variables as Record<string, unknown> | undefined },
        { contextValue: context },
      );
      // Failures of the shim itself are plain errors: the HTTP server logs those with the request id.
      if (response.body.kind !== 'single')
        throw new Error(`the REST shim got an incremental response to ${operationName(document)}`);
      const { data, errors } = response.body.singleResult;
      if (errors?.length) {
        const first = errors[0]!;
        const code =
          typeof first.extensions?.code === 'string' ? first.extensions.code : 'INTERNAL_SERVER_ERROR';
        const status = restStatusOf(code);
        // Internal errors were logged, with their cause, by the GraphQL server (error-log-plugin.ts).
        // Any other code that maps to a 5xx is the shim's own fault (its document failed validation or
        // a limit): not logged anywhere yet, so it is thrown as a plain error with what went wrong.
        if (status >= 500 && status !== 503 && !INTERNAL_CODES.has(code))
          throw new Error(`the REST shim's ${operationName(document)} failed with ${code}: ${first.message}`);
        throw errorOfCode(code, first.message);
      }
      return data as R;
    },
  };
}

/** "operation Flows", for messages about one of the shim's documents. */
function operationName(document: DocumentNode): string {
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  return `operation ${operation?.name?.value ?? '(anonymous)'}`;
}
