import { ApolloGateway } from '@apollo/gateway';
import type { GraphQLSchema } from 'graphql';
import { loadSdl } from '../../../subgraphs/sdl.js';

/** The API schema clients see: the committed supergraph, loaded as the gateway loads it. */
export async function loadApiSchema(): Promise<GraphQLSchema> {
  const gateway = new ApolloGateway({ supergraphSdl: loadSdl('supergraph').text });
  try {
    return (await gateway.load()).schema;
  } finally {
    await gateway.stop();
  }
}
