import { ApolloServer } from '@apollo/server';
import { describe, expect, it } from 'vitest';
import { limitErrorCode, limitRules } from './index.js';
import { schema } from './test-support/schema.js';

// Apollo Server rewrites every validation error's code to GRAPHQL_VALIDATION_FAILED (keeping the original
// error as `originalError`), so the gateway's formatError must put the limit code back.
describe('through Apollo Server', () => {
  it('answers 400 with GRAPHQL_VALIDATION_FAILED, and limitErrorCode recovers the limit code', async () => {
    const seen: unknown[] = [];
    const server = new ApolloServer({
      schema,
      validationRules: limitRules({ maxDepth: 2 }),
      formatError: (formatted, error) => {
        seen.push(formatted.extensions?.['code']);
        const code = limitErrorCode(error);
        return code ? { ...formatted, extensions: { ...formatted.extensions, code } } : formatted;
      },
    });
    await server.start();
    try {
      const response = await server.executeOperation({ query: '{ node { child { leaf } } }' });
      expect(response.http.status).toBe(400);
      expect(response.body.kind).toBe('single');
      const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
      expect(seen).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(errors?.map((e) => [e.extensions?.['code'], e.message])).toEqual([
        ['QUERY_TOO_DEEP', 'The query has a selection depth of 3; the maximum is 2.'],
      ]);
    } finally {
      await server.stop();
    }
  });
});
