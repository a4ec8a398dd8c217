import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServer, BaseContext } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import type { ErrorCode } from '../error-codes.js';
import { MAX_GRAPHQL_BODY_BYTES } from '../limits/index.js';
import { readBody } from './read-body.js';
import { parseStrictJson, queryStringProblem, strictUtf8, surrogateProblem } from './strict-text.js';

/**
 * Apollo Server on plain node:http (what the Express integration does, without Express): the request
 * becomes an HTTPGraphQLRequest (body up to MAX_GRAPHQL_BODY_BYTES), run with `contextValue`, and the
 * response is written back, streamed when Apollo streams it. Text that is not well-formed Unicode
 * (strict-text.ts) gets a 400 with a GraphQL error body, as Apollo answers a malformed request itself,
 * before Apollo does any work on it.
 */
export async function serveGraphQL<TContext extends BaseContext>(
  server: ApolloServer<TContext>,
  req: IncomingMessage,
  res: ServerResponse,
  contextValue: TContext,
): Promise<void> {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers))
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  const url = new URL(req.url ?? '/', 'http://localhost');
  let body: unknown;
  if (req.method === 'POST') {
    const text = strictUtf8(await readBody(req, MAX_GRAPHQL_BODY_BYTES));
    if (text === undefined)
      return refuse(res, 'BAD_REQUEST', 'the request body is not valid UTF-8; send it encoded as UTF-8');
    if ((headers.get('content-type') ?? '').includes('json')) {
      const parsed = text.length ? parseStrictJson(text) : { ok: true as const, value: undefined };
      if (!parsed.ok) return refuse(res, 'BAD_REQUEST', parsed.problem);
      body = parsed.value;
    } else {
      body = text;
    }
  } else {
    const problem = queryStringProblem(url.search.slice(1));
    if (problem !== undefined) return refuse(res, 'BAD_REQUEST', problem);
    for (const name of ['variables', 'extensions']) {
      const value = url.searchParams.get(name);
      const surrogate = value === null ? undefined : surrogateProblem(value, `the ${name} parameter`);
      if (surrogate !== undefined) return refuse(res, 'BAD_REQUEST', surrogate);
    }
  }
  const response = await server.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
    context: () => Promise.resolve(contextValue),
  });
  res.statusCode = response.status ?? 200;
  for (const [name, value] of response.headers) res.setHeader(name, value);
  if (response.body.kind === 'complete') {
    if (res.statusCode === 200 && whollyUnavailable(response.body.string)) res.statusCode = 503;
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) {
    // The client went away: stop the stream (breaking returns the iterator) instead of writing to nobody.
    if (res.destroyed) return;
    res.write(chunk);
  }
  res.end();
}

/**
 * Whether a result failed only because a part of the store is down (every error SERVICE_UNAVAILABLE, no
 * data): answered 503 (with Retry-After, server.ts) so that clients and balancers retry it as they retry
 * any other 503, rather than take a 200. A partial result keeps its 200. The text is searched before it
 * is parsed, so results without that code cost nothing.
 */
function whollyUnavailable(text: string): boolean {
  if (!text.includes('"SERVICE_UNAVAILABLE"')) return false;
  try {
    const result = JSON.parse(text) as { data?: Record<string, unknown> | null; errors?: unknown };
    const errors = Array.isArray(result.errors)
      ? (result.errors as { extensions?: { code?: unknown } }[])
      : [];
    const noData = !result.data || Object.values(result.data).every((v) => v === null);
    return noData && errors.length > 0 && errors.every((e) => e.extensions?.code === 'SERVICE_UNAVAILABLE');
  } catch {
    return false;
  }
}

/** A 400 with a GraphQL error body, as Apollo answers requests it cannot run. */
function refuse(res: ServerResponse, code: ErrorCode, message: string): void {
  const text = JSON.stringify({ errors: [{ message, extensions: { code } }] });
  res.writeHead(400, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
