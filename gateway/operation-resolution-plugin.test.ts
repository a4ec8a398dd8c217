import { ApolloServer } from '@apollo/server';
import { buildSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operationResolutionPlugin } from './operation-resolution-plugin.js';

const schema = buildSchema('type Query { a: Int }');
let server: ApolloServer;

beforeAll(async () => {
  server = new ApolloServer({ schema, plugins: [operationResolutionPlugin()] });
  await server.start();
});
afterAll(() => server.stop());

async function answer(query: string, operationName?: string) {
  const response = await server.executeOperation({
    query,
    ...(operationName === undefined ? {} : { operationName }),
  });
  const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
  return {
    status: response.http.status ?? 200,
    errors: errors.map((e) => [e.extensions?.['code'], e.message]),
  };
}

// The real gateway is the case that matters (its executor throws, which Apollo turns into a 500); the
// hostile-input suite drives it end to end. Here the plugin's answers are pinned on a plain server.
describe('operationResolutionPlugin', () => {
  it('refuses an unknown operationName with 400', async () => {
    expect(await answer('query Q { a }', "'); DROP TABLE flows; --")).toEqual({
      status: 400,
      errors: [['OPERATION_RESOLUTION_FAILURE', `Unknown operation named "'); DROP TABLE flows; --".`]],
    });
  });

  it('refuses several operations without an operationName with 400', async () => {
    expect(await answer('query Q { a } query R { a }')).toEqual({
      status: 400,
      errors: [
        [
          'OPERATION_RESOLUTION_FAILURE',
          'Must provide operationName if the document contains several operations.',
        ],
      ],
    });
  });

  it('refuses an operation type the schema lacks with 400', async () => {
    expect((await answer('subscription { a }')).status).toBe(400);
    expect((await answer('mutation { a }')).errors[0]).toEqual([
      'OPERATION_RESOLUTION_FAILURE',
      'This schema has no mutation operations.',
    ]);
  });

  it('lets a resolvable operation run', async () => {
    expect(await answer('query Q { a } query R { a }', 'R')).toEqual({ status: 200, errors: [] });
  });
});
