import { ApolloServer } from '@apollo/server';
import { buildSchema, GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { errorLogPlugin } from './error-log-plugin.js';
import { formatError } from './format-error.js';
import { createLogger } from './logger.js';

const schema = buildSchema(
  'type Query { plain: String, wrapped: String, busy: String, bad: String, ok: String }',
);

class StoreFailure extends Error {}

const rootValue = {
  plain: () => {
    throw new Error('disk on fire');
  },
  // What the domain does with an unexpected failure: a coded error with a safe message, the cause kept.
  wrapped: () => {
    throw new GraphQLError('internal error; the server log has the details', {
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
      originalError: new StoreFailure('the signing key is unreadable', { cause: new Error('EACCES') }),
    });
  },
  busy: () => {
    throw new GraphQLError('the store is temporarily unavailable', {
      extensions: { code: 'SERVICE_UNAVAILABLE' },
      originalError: new Error('pool exhausted'),
    });
  },
  bad: () => {
    throw new GraphQLError('limit: expected an integer', { extensions: { code: 'BAD_REQUEST' } });
  },
  ok: () => 'fine',
};

interface Line {
  level: number;
  msg: string;
  requestId?: string;
  code?: string;
  operationName?: string;
  err?: { type?: string; message?: string };
}

async function run(query: string) {
  const lines: Line[] = [];
  const log = createLogger('debug', { write: (l: string) => void lines.push(JSON.parse(l) as Line) });
  const logged = new WeakSet<object>();
  const server = new ApolloServer<{ requestId: string }>({
    schema,
    rootValue,
    formatError: formatError(log, (e) => typeof e === 'object' && e !== null && logged.has(e)),
    plugins: [errorLogPlugin(log, logged)],
  });
  await server.start();
  try {
    const response = await server.executeOperation({ query }, { contextValue: { requestId: 'req-7' } });
    const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
    return { errors, lines };
  } finally {
    await server.stop();
  }
}

describe('errorLogPlugin', () => {
  it('logs an unexpected error once, at error level, with the request id, the operation and the cause', async () => {
    const { errors, lines } = await run('query Fails { plain }');
    expect(errors?.map((e) => [e.extensions?.code, e.message])).toEqual([
      ['INTERNAL_SERVER_ERROR', 'internal error; the server log has the details'],
    ]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 50,
      requestId: 'req-7',
      operationName: 'Fails',
      code: 'INTERNAL_SERVER_ERROR',
      err: { message: 'disk on fire' },
    });
  });

  it('logs the cause under a coded internal error, not just its safe message', async () => {
    const { lines } = await run('{ wrapped }');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, requestId: 'req-7' });
    expect(lines[0]!.err).toMatchObject({ type: 'StoreFailure' });
    expect(lines[0]!.err?.message).toMatch(/the signing key is unreadable.*EACCES/s);
  });

  it('logs an unavailable dependency as a warning, and client errors not at all', async () => {
    const busy = await run('{ busy }');
    expect(busy.lines.map((l) => [l.level, l.code, l.err?.message])).toEqual([
      [40, 'SERVICE_UNAVAILABLE', 'pool exhausted'],
    ]);
    expect((await run('{ bad }')).lines).toEqual([]);
    expect((await run('{ nope }')).lines).toEqual([]);
    expect((await run('{ ok }')).lines).toEqual([]);
  });
});
