import type { ApolloServer } from '@apollo/server';
import type { GatewayContext } from '../graphql-servers.js';
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
      if (response.body.kind !== 'single')
        throw new HttpError(500, 'InternalError', 'unexpected incremental response');
      const { data, errors } = response.body.singleResult;
      if (errors?.length) {
        const first = errors[0]!;
        const code =
          typeof first.extensions?.code === 'string' ? first.extensions.code : 'INTERNAL_SERVER_ERROR';
        throw new HttpError(restStatusOf(code), code, first.message);
      }
      return data as T;
    },
  };
}
