import { buildSchema, GraphQLError, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Transport } from './operation.js';
import { resolveOperation } from './operation.js';

const schema = buildSchema('type Query { a: Int } type Subscription { s: Int }');

function answer(query: string, operationName?: string, transport: Transport = 'http') {
  const resolved = resolveOperation(schema, parse(query), operationName, transport);
  return resolved instanceof GraphQLError
    ? {
        code: resolved.extensions['code'],
        status: (resolved.extensions['http'] as { status: number }).status,
        message: resolved.message,
      }
    : { operation: resolved.name?.value ?? resolved.operation };
}

// The federated gateway's executor throws on these (a 500 through Apollo); they are the client's mistake.
describe('resolveOperation', () => {
  it('refuses an unknown operationName with 400', () => {
    expect(answer('query Q { a }', "'); DROP TABLE flows; --")).toEqual({
      code: 'OPERATION_RESOLUTION_FAILURE',
      status: 400,
      message: `Unknown operation named "'); DROP TABLE flows; --".`,
    });
  });

  it('refuses several operations without an operationName with 400', () => {
    expect(answer('query Q { a } query R { a }')).toMatchObject({
      status: 400,
      message: 'Must provide operationName if the document contains several operations.',
    });
  });

  it('refuses an operation type the schema lacks', () => {
    expect(answer('mutation { a }')).toMatchObject({
      code: 'OPERATION_RESOLUTION_FAILURE',
      message: 'This schema has no mutation operations.',
    });
  });

  it('serves subscriptions over graphql-ws only', () => {
    expect(answer('subscription { s }')).toMatchObject({ code: 'OPERATION_RESOLUTION_FAILURE', status: 400 });
    expect(answer('subscription { s }', undefined, 'in-process')).toMatchObject({ status: 400 });
    expect(answer('subscription { s }', undefined, 'graphql-ws')).toEqual({ operation: 'subscription' });
  });

  it('picks the named operation', () => {
    expect(answer('query Q { a } query R { a }', 'R')).toEqual({ operation: 'R' });
  });
});
