import type { ApolloServer } from '@apollo/server';
import type { GatewayContext } from '../graphql-servers.js';
import { INTERNAL_CODES } from '../format-error.js';
import { HttpError } from '../http/errors.js';
import { restStatusOf } from './errors.js';

/** Runs a GraphQL operation in process through the gateway, as the REST request's caller. */
export interface GraphQLRunner {
  run<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
}

export function graphqlRunner(server: ApolloServer<GatewayContext>, context: GatewayContext): GraphQLRunner {
  return {
    async run<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
      const response = await server.executeOperation({ query, variables }, { contextValue: context });
      // Failures of the shim itself are plain errors: the HTTP server logs those with the request id.
      if (response.body.kind !== 'single')
        throw new Error(`the REST shim got an incremental response to ${operationName(query)}`);
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
          throw new Error(`the REST shim's ${operationName(query)} failed with ${code}: ${first.message}`);
        throw new HttpError(status, code, first.message);
      }
      return data as T;
    },
  };
}

/** "operation Flows" (or the document's start) for messages about one of the shim's documents. */
function operationName(query: string): string {
  const name = /^\s*(?:query|mutation)\s+(\w+)/.exec(query)?.[1];
  return name ? `operation ${name}` : `operation ${JSON.stringify(query.slice(0, 40))}`;
}
