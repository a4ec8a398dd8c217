import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServer, BaseContext, ContextThunk } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import { HttpError } from './errors.js';
import { readBody } from './read-body.js';

/**
 * Apollo Server on plain node:http (what the Express integration does, without Express): the request
 * becomes an HTTPGraphQLRequest, the response is written back, streamed when Apollo streams it.
 */
export function apolloHandler<TContext extends BaseContext>(
  server: ApolloServer<TContext>,
  context: (req: IncomingMessage, requestId: string) => ContextThunk<TContext>,
  maxBodyBytes: number,
) {
  return async (req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> => {
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers))
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    const url = new URL(req.url ?? '/', 'http://localhost');
    let body: unknown;
    if (req.method === 'POST') {
      const raw = await readBody(req, maxBodyBytes);
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
      context: context(req, requestId),
    });
    res.statusCode = response.status ?? 200;
    for (const [name, value] of response.headers) res.setHeader(name, value);
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
}
