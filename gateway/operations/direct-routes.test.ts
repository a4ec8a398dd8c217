import { LocalGraphQLDataSource } from '@apollo/gateway';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { GraphQLError, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphQLServer } from '../graphql-servers.js';
import { startGateway } from '../graphql-servers.js';
import { captureLog } from '../http/test-support/log-capture.js';
import { Metrics } from '../metrics.js';
import { DirectRoutes } from './direct-routes.js';
import { ADMIN } from './test-support/small-pipeline.js';

const FEDERATION = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';

/** Two subgraphs: `items` owns Item and its name; `scores` adds a score to Item. */
const SUBGRAPHS: Record<string, { typeDefs: DocumentNode; resolvers: Record<string, unknown> }> = {
  items: {
    typeDefs: parse(`${FEDERATION}
      type Item @key(fields: "id") { id: ID! name: String }
      type Query { item(id: ID!): Item, broken: String }`),
    resolvers: {
      Query: {
        item: (_: unknown, { id }: { id: string }) => ({ id, name: `item ${id}` }),
        broken: () => {
          throw new GraphQLError('no such thing', { extensions: { code: 'NOT_FOUND' } });
        },
      },
    },
  },
  scores: {
    typeDefs: parse(`${FEDERATION} type Item @key(fields: "id") { id: ID! score: Int }`),
    resolvers: { Item: { __resolveReference: ({ id }: { id: string }) => ({ id, score: Number(id) * 10 }) } },
  },
};

/** Fetches each subgraph served, counted: a direct run makes none. */
const fetches: Record<string, number> = { items: 0, scores: 0 };

class CountingDataSource extends LocalGraphQLDataSource {
  constructor(
    private readonly name: string,
    schema: GraphQLSchema,
  ) {
    super(schema);
  }
  override process(options: GraphQLDataSourceProcessOptions) {
    fetches[this.name]!++;
    return super.process(options);
  }
}

let server: GraphQLServer;

beforeAll(async () => {
  const schemas = Object.fromEntries(
    Object.entries(SUBGRAPHS).map(([name, s]) => [
      name,
      buildSubgraphSchema({ typeDefs: s.typeDefs, resolvers: s.resolvers as never }),
    ]),
  );
  const composed = composeServices(
    Object.entries(SUBGRAPHS).map(([name, s]) => ({
      name,
      url: `http://${name}.invalid`,
      typeDefs: s.typeDefs,
    })),
  );
  if (!composed.supergraphSdl) throw new Error(String(composed.errors));
  const local = new Map(
    Object.entries(schemas).map(([name, schema]) => [name, { schema, context: () => ({}) }]),
  );
  server = await startGateway(
    composed.supergraphSdl,
    ({ name }) => new CountingDataSource(name, schemas[name]!),
    {
      log: captureLog('error').log,
      metrics: new Metrics('test'),
      introspection: true,
      direct: new DirectRoutes(local),
    },
  );
});
afterAll(() => server?.stop());

/** Runs `document` three times; returns the results and the fetches each subgraph served meanwhile. */
async function thrice(document: DocumentNode | string) {
  const before = { ...fetches };
  const results = [];
  for (let i = 0; i < 3; i++)
    results.push((await server.pipeline.run({ document }, ADMIN, 'in-process')).result);
  return { results, items: fetches.items! - before.items!, scores: fetches.scores! - before.scores! };
}

describe('direct routes', () => {
  it('run an owned single-subgraph operation on its subgraph once the gateway has planned it', async () => {
    const document = server.pipeline.own(parse('query($id: ID!) { item(id: $id) { id name } }'));
    const before = fetches.items!;
    const results = [];
    for (const id of ['1', '2', '3'])
      results.push((await server.pipeline.run({ document, variables: { id } }, ADMIN, 'in-process')).result);
    expect(results).toEqual(['1', '2', '3'].map((id) => ({ data: { item: { id, name: `item ${id}` } } })));
    // The first run went through the gateway (one fetch), the others straight to the subgraph.
    expect(fetches.items! - before).toBe(1);
  });

  it('answer with the errors the gateway gives, labelled with the subgraph', async () => {
    const { results, items } = await thrice(server.pipeline.own(parse('{ broken }')));
    expect(items).toBe(1);
    expect(results[1]).toEqual(results[0]);
    expect(results[0]).toEqual({
      data: { broken: null },
      errors: [
        {
          message: 'no such thing',
          path: ['broken'],
          extensions: { code: 'NOT_FOUND', serviceName: 'items' },
        },
      ],
    });
  });

  it('leave an operation that needs two subgraphs, and any document the server does not own, to the gateway', async () => {
    const both = await thrice(server.pipeline.own(parse('{ item(id: "4") { name score } }')));
    expect([both.items, both.scores]).toEqual([3, 3]);
    expect(both.results[2]).toEqual({ data: { item: { name: 'item 4', score: 40 } } });
    const text = await thrice('{ item(id: "5") { name } }');
    expect([text.items, text.scores]).toEqual([3, 0]);
  });
});
