import { GraphQLError, Kind, parse } from 'graphql';
import type { OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { captureLog, LEVEL } from '../http/test-support/log-capture.js';
import { ErrorFormatter } from './errors.js';

class StoreFailure extends Error {}

function formatter() {
  const { log, lines } = captureLog('debug');
  return { format: new ErrorFormatter(log), lines };
}

const scene = { requestId: 'req-7', operationName: 'Fails' };

describe('ErrorFormatter', () => {
  it('masks an unexpected error and logs it once, at error level, with the request id, the operation and the cause', () => {
    const { format, lines } = formatter();
    const out = format.format([new Error('disk on fire')], scene);
    expect(out.errors).toEqual([
      {
        message: 'internal error; the server log has the details',
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      },
    ]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: LEVEL.error,
      requestId: 'req-7',
      operationName: 'Fails',
      code: 'INTERNAL_SERVER_ERROR',
      err: { message: 'disk on fire' },
    });
  });

  it('logs the cause under a coded internal error, not just its safe message', () => {
    const { format, lines } = formatter();
    const wrapped = new GraphQLError('internal error; the server log has the details', {
      path: ['flows'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
      originalError: new StoreFailure('the signing key is unreadable', { cause: new Error('EACCES') }),
    });
    expect(format.format([wrapped], scene).errors[0]).toEqual({
      message: 'internal error; the server log has the details',
      path: ['flows'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]!['err']).toMatchObject({ type: 'StoreFailure' });
    expect(JSON.stringify(lines[0]!['err'])).toMatch(/the signing key is unreadable.*EACCES/s);
  });

  it('masks a subgraph failure without a code (DOWNSTREAM_SERVICE_ERROR) too', () => {
    const { format } = formatter();
    const failed = new GraphQLError('connect ECONNREFUSED 10.0.0.7', {
      extensions: { code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: 'media' },
    });
    expect(format.format([failed]).errors[0]).toEqual({
      message: 'internal error; the server log has the details',
      extensions: { code: 'DOWNSTREAM_SERVICE_ERROR' },
    });
  });

  it('logs an unavailable dependency as a warning, and client errors not at all', () => {
    const { format, lines } = formatter();
    const busy = new GraphQLError('the store is temporarily unavailable', {
      extensions: { code: 'SERVICE_UNAVAILABLE' },
      originalError: new Error('pool exhausted'),
    });
    expect(format.format([busy], scene).errors[0]).toMatchObject({
      extensions: { code: 'SERVICE_UNAVAILABLE' },
    });
    const bad = new GraphQLError('limit: expected an integer', { extensions: { code: 'BAD_REQUEST' } });
    expect(format.format([bad], scene).errors[0]).toEqual({
      message: 'limit: expected an integer',
      extensions: { code: 'BAD_REQUEST' },
    });
    expect(lines.map((l) => [l.level, l['code']])).toEqual([[LEVEL.warn, 'SERVICE_UNAVAILABLE']]);
  });

  it('answers with the status an error carries and never shows it, nor a stack trace', () => {
    const { format } = formatter();
    const forbidden = new GraphQLError('no', {
      extensions: { code: 'FORBIDDEN', http: { status: 403 }, stacktrace: ['at x'], exception: {} },
    });
    expect(format.format([forbidden])).toEqual({
      errors: [{ message: 'no', extensions: { code: 'FORBIDDEN' } }],
      status: 403,
    });
  });

  // Apollo Server raises these with a 4xx status and no code; unformatted they would read "internal error".
  it('keeps request errors raised without a code as BAD_REQUEST, with their message, unlogged', () => {
    const { format, lines } = formatter();
    const apq = new GraphQLError('Unsupported persisted query version', {
      extensions: { http: { status: 400 } },
    });
    expect(format.format([apq])).toEqual({
      errors: [{ message: 'Unsupported persisted query version', extensions: { code: 'BAD_REQUEST' } }],
      status: 400,
    });
    expect(lines).toEqual([]);
  });

  it('labels a variable the executor could not coerce BAD_USER_INPUT', () => {
    const { format } = formatter();
    const operation = parse('query($n: Int) { a }').definitions[0] as OperationDefinitionNode;
    const definition = operation.variableDefinitions![0]!;
    expect(definition.kind).toBe(Kind.VARIABLE_DEFINITION);
    const coercion = new GraphQLError(
      'Variable "$n" got invalid value "x"; Int cannot represent non-integer value: "x"',
      {
        nodes: [definition],
      },
    );
    expect(format.format([coercion]).errors[0]!.extensions).toEqual({ code: 'BAD_USER_INPUT' });
  });
});
