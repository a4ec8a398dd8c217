import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServer, BaseContext } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import { MAX_GRAPHQL_BODY_BYTES } from '../limits/index.js';
import { HttpError } from './errors.js';
import { readBody } from './read-body.js';

/**
 * Apollo Server on plain node:http (what the Express integration does, without Express): the request
 * becomes an HTTPGraphQLRequest (body up to MAX_GRAPHQL_BODY_BYTES), run with `contextValue`, and the
 * response is written back, streamed when Apollo streams it.
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
    const raw = await readBody(req, MAX_GRAPHQL_BODY_BYTES);
    const text = raw.toString('utf8');
    if ((headers.get('content-type') ?? '').includes('json')) {
      try {
        body = text.length ? JSON.parse(text) : undefined;
      } catch {
        throw new HttpError(400, 'BadRequest', 'the request body is not valid JSON');
      }
    } else {
      body = text;
    }
  }
  const response = await server.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
    context: () => Promise.resolve(contextValue),
  });
  res.statusCode = response.status ?? 200;
  for (const [name, value] of response.headers) res.setHeader(name, value);
  if (response.body.kind === 'complete') {
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
