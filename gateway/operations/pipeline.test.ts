import type { ValidationRule } from 'graphql';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ADMIN, callerWith, smallPipeline } from './test-support/small-pipeline.js';
import { gatewayValidation } from './validation.js';

/** A validation rule that counts the documents it validated. */
function countingRule(): { rule: ValidationRule; count: () => number } {
  let validated = 0;
  return { rule: () => ({ Document: () => void validated++ }), count: () => validated };
}

const codes = (outcome: { result: { errors?: readonly { extensions?: { code?: unknown } }[] } }) =>
  outcome.result.errors?.map((e) => e.extensions?.code);

describe('the operation pipeline', () => {
  it('validates a document the server owns once, when registered, and never parses it', async () => {
    const counter = countingRule();
    const { pipeline } = smallPipeline({ flows: () => [{ id: '1' }] }, { rules: [counter.rule] });
    const document = pipeline.own(parse('{ flows { id } }'));
    expect(counter.count()).toBe(1);
    for (let i = 0; i < 3; i++)
      expect((await pipeline.run({ document }, ADMIN, 'in-process')).result).toEqual({
        data: { flows: [{ id: '1' }] },
      });
    expect(counter.count()).toBe(1);
    expect(() => pipeline.own(parse('{ nope }'))).toThrow(/not valid: Cannot query field "nope"/);
  });

  it('parses and validates a query text once, through its document cache', () => {
    const counter = countingRule();
    const { pipeline } = smallPipeline({ service: () => 'tams' }, { rules: [counter.rule] });
    const first = pipeline.prepare({ document: '{ service }' }, 'http');
    const second = pipeline.prepare({ document: '{ service }' }, 'http');
    expect(
      'prepared' in first && 'prepared' in second && first.prepared.document === second.prepared.document,
    ).toBe(true);
    expect(counter.count()).toBe(1);
  });

  it('refuses what does not parse, validate or resolve with 400 and a stable code', async () => {
    const { pipeline } = smallPipeline();
    const run = (document: string, operationName?: string) =>
      pipeline.run({ document, operationName }, ADMIN, 'http');
    const syntax = await run('{ flows(');
    expect([syntax.status, syntax.refused, codes(syntax)]).toEqual([400, true, ['GRAPHQL_PARSE_FAILED']]);
    expect(syntax.result.errors?.[0]?.locations).toEqual([{ line: 1, column: 9 }]);
    expect([(await run('{ nope }')).status, codes(await run('{ nope }'))]).toEqual([
      400,
      ['GRAPHQL_VALIDATION_FAILED'],
    ]);
    expect(codes(await run('query A { service }', 'B'))).toEqual(['OPERATION_RESOLUTION_FAILURE']);
    expect(codes(await run('subscription { flowUpdated(id: "1") { id } }'))).toEqual([
      'OPERATION_RESOLUTION_FAILURE',
    ]);
  });

  it('refuses introspection when it is switched off, and nothing else', async () => {
    const { pipeline } = smallPipeline({}, { rules: gatewayValidation({ introspection: false }).rules });
    const outcome = await pipeline.run({ document: '{ __schema { queryType { name } } }' }, ADMIN, 'http');
    expect([outcome.status, outcome.result.errors?.[0]?.extensions]).toEqual([
      400,
      { validationErrorCode: 'INTROSPECTION_DISABLED', code: 'GRAPHQL_VALIDATION_FAILED' },
    ]);
    expect((await pipeline.run({ document: '{ __typename }' }, ADMIN, 'http')).result).toEqual({
      data: { __typename: 'Query' },
    });
  });

  it('checks fragment bounds before any validation rule runs', async () => {
    const counter = countingRule();
    const { pipeline } = smallPipeline({}, { rules: [counter.rule] });
    const chain = `{ ...F0 } ${Array.from({ length: 12 }, (_, i) => `fragment F${i} on Query { ${i < 11 ? `...F${i + 1}` : 'service'} }`).join(' ')}`;
    const outcome = await pipeline.run({ document: chain }, ADMIN, 'graphql-ws');
    expect([outcome.status, codes(outcome)]).toEqual([400, ['QUERY_TOO_COMPLEX']]);
    expect(counter.count()).toBe(0);
  });

  it("refuses a root field out of the caller's scopes with 403, naming the scope", async () => {
    const { pipeline } = smallPipeline({ flowDeleteRequests: () => [] });
    const outcome = await pipeline.run({ document: '{ flowDeleteRequests }' }, callerWith('read'), 'http');
    expect(outcome.status).toBe(403);
    expect(outcome.result.errors?.[0]).toEqual({
      message: 'query field flowDeleteRequests needs the admin scope, which this caller lacks',
      extensions: { code: 'FORBIDDEN' },
    });
    expect((await pipeline.run({ document: '{ flowDeleteRequests }' }, ADMIN, 'http')).result).toEqual({
      data: { flowDeleteRequests: [] },
    });
  });

  it('refuses a result estimated above the cap for these variables (400), and runs what fits', async () => {
    const { pipeline } = smallPipeline({ flows: () => [] }, { maxResultObjects: 1000 });
    const document = 'query($n: Int) { flows(limit: $n) { flows(limit: $n) { id } } }';
    const big = await pipeline.run({ document, variables: { n: 100 } }, ADMIN, 'http');
    expect([big.status, codes(big)]).toEqual([400, ['QUERY_TOO_COMPLEX']]);
    const small = await pipeline.run({ document, variables: { n: 10 } }, ADMIN, 'http');
    expect([small.status, small.result]).toEqual([undefined, { data: { flows: [] } }]);
  });

  it('answers 400 BAD_USER_INPUT when a variable does not coerce, 200 for errors beside data', async () => {
    const { pipeline } = smallPipeline({
      flow: () => {
        throw new Error('disk on fire');
      },
    });
    const missing = await pipeline.run(
      { document: 'query($id: ID!) { flow(id: $id) { id } }' },
      ADMIN,
      'http',
    );
    expect([missing.status, missing.refused, codes(missing)]).toEqual([400, false, ['BAD_USER_INPUT']]);
    const failing = await pipeline.run({ document: '{ flow(id: "1") { id } }' }, ADMIN, 'http');
    expect([failing.status, failing.result.data, codes(failing)]).toEqual([
      undefined,
      { flow: null },
      ['INTERNAL_SERVER_ERROR'],
    ]);
  });

  it('logs an internal failure once with the request id, and records every operation', async () => {
    const { pipeline, lines, metrics } = smallPipeline({
      flows: () => {
        throw new Error('disk on fire');
      },
    });
    await pipeline.run({ document: 'query Fails { flows { id } }' }, ADMIN, 'http');
    await pipeline.run({ document: '{ nope }' }, ADMIN, 'http');
    expect(lines.filter((l) => l.level >= 40)).toMatchObject([
      {
        requestId: 'req-7',
        operationName: 'Fails',
        code: 'INTERNAL_SERVER_ERROR',
        err: { message: 'disk on fire' },
      },
    ]);
    const text = await metrics.registry.metrics();
    const errorCount = (operation: string) =>
      new RegExp(
        `tams_graphql_operation_duration_seconds_count\\{(?=[^}]*operation="${operation}")(?=[^}]*outcome="error")[^}]*\\} 1`,
      );
    expect(text).toMatch(errorCount('query'));
    expect(text).toMatch(errorCount('unknown'));
    expect(text).toMatch(/tams_graphql_errors_total\{code="GRAPHQL_VALIDATION_FAILED"[^}]*\} 1/);
  });
});
