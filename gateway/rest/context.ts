import type { IncomingMessage } from 'node:http';
import { HttpError } from '../http/errors.js';
import { readBody } from '../http/read-body.js';
import { parseStrictJson, strictUtf8 } from '../http/strict-text.js';
import type { GraphQLRunner } from './graphql.js';
import { QueryParams } from './query.js';

/** Largest JSON body of a REST request (a bulk segment POST of 10,000 segments fits). */
export const MAX_REST_BODY_BYTES = 16 * 1024 * 1024;

/** Everything a route handler needs: the parsed request and the GraphQL runner of its caller. */
export class RestContext {
  readonly query: QueryParams;

  constructor(
    readonly req: IncomingMessage,
    readonly path: string,
    readonly params: Readonly<Record<string, string>>,
    rawQuery: string,
    readonly graphql: GraphQLRunner,
    /** The origin clients use, for `Link` and `Location` headers. */
    readonly publicUrl: string,
  ) {
    this.query = new QueryParams(rawQuery);
  }

  param(name: string): string {
    const value = this.params[name];
    // A routing table bug, not the client's: a plain error, which the HTTP server logs as a 500.
    if (value === undefined) throw new Error(`the route ${this.path} has no parameter ${name}`);
    return value;
  }

  /** The request body as JSON; `optional` allows an empty body (returns undefined). */
  async json(options: { optional?: boolean } = {}): Promise<unknown> {
    const raw = await readBody(this.req, MAX_REST_BODY_BYTES);
    if (raw.length === 0) {
      if (options.optional) return undefined;
      throw new HttpError(400, 'BAD_REQUEST', 'the request needs a JSON body');
    }
    // Required, not assumed: a browser page can POST a body without a Content-Type (sendBeacon, a
    // no-cors fetch) and with cached Basic credentials, but cannot send application/json cross-site
    // without a CORS preflight, which this server does not grant. So no JSON body arrives by CSRF.
    const type = this.req.headers['content-type'] ?? '';
    if (!/^application\/([a-z.+-]*\+)?json\b/i.test(type))
      throw new HttpError(
        400,
        'BAD_REQUEST',
        type
          ? `the body must be application/json, not ${type.slice(0, 60)}`
          : 'the body must be sent with Content-Type: application/json',
      );
    const text = strictUtf8(raw);
    if (text === undefined)
      throw new HttpError(
        400,
        'BAD_REQUEST',
        'the request body is not valid UTF-8; JSON must be sent as UTF-8',
      );
    const parsed = parseStrictJson(text);
    if (!parsed.ok) throw new HttpError(400, 'BAD_REQUEST', parsed.problem);
    return parsed.value;
  }
}
