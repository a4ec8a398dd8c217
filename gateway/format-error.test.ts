import { ApolloServer } from '@apollo/server';
import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { formatError } from './format-error.js';
import { createLogger } from './logger.js';

const schema = buildSchema('type Query { hello: String }');

async function errorsOf(request: { query?: string; extensions?: Record<string, unknown> }) {
  const lines: string[] = [];
  const log = createLogger('error', { write: (line: string) => void lines.push(line) });
  const server = new ApolloServer({ schema, formatError: formatError(log) });
  await server.start();
  try {
    const response = await server.executeOperation(request);
    const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
    return { status: response.http.status, errors, logged: lines.length };
  } finally {
    await server.stop();
  }
}

describe('formatError', () => {
  // Apollo raises these with a 4xx status and no code; unformatted they would read "internal error".
  it('keeps request errors Apollo raised without a code as BAD_REQUEST, with their message, unlogged', async () => {
    const { status, errors, logged } = await errorsOf({
      query: '{ hello }',
      extensions: { persistedQuery: { version: 2, sha256Hash: 'x' } },
    });
    expect(status).toBe(400);
    expect(errors?.map((e) => [e.extensions?.code, e.message])).toEqual([
      ['BAD_REQUEST', 'Unsupported persisted query version'],
    ]);
    expect(logged).toBe(0);
  });

  it('keeps the codes Apollo gives', async () => {
    const { errors } = await errorsOf({ query: '{ nope }' });
    expect(errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
