import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { Fixtures } from './fixtures.js';
import type { GraphQLOperation } from './graphql-documents.js';
import { graphqlOperations } from './graphql-documents.js';
import { HEADER_BUDGET, headerBytes, hostileHeaders, LYING_CONTENT_TYPES } from './hostile-headers.js';
import type { Headers } from './hostile-headers.js';
import {
  brokenJson,
  deepJson,
  hostileJsonValue,
  invalidUtf8Json,
  json,
  NOT_UNICODE_MARKER,
  notUnicode,
  protoObject,
  withOwnKey,
} from './hostile-json.js';
import { BROKEN_PERCENT, hostileString, percentEncode } from './hostile-values.js';
import type { HostileRequest } from './send.js';

/**
 * Hostile HTTP requests to `/graphql`: the operations of graphql-documents.ts in every envelope
 * (POST JSON with odd members, POST with lying content types, batches, GET with query parameters), and
 * bodies that are no envelope at all.
 */

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Members of a POST body around the operation: names, extensions (APQ), wrong types, prototype keys. */
function envelope(op: GraphQLOperation): fc.Arbitrary<{ body: unknown; intent: string }> {
  const base = (): Record<string, unknown> =>
    op.variables === undefined ? { query: op.query } : { query: op.query, variables: op.variables };
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant({ body: base(), intent: op.intent }) },
    {
      weight: 1,
      arbitrary: fc.oneof(hostileString, fc.constant('Q'), fc.integer()).map((operationName) => ({
        body: { ...base(), operationName },
        intent: `${op.intent}; operationName ${JSON.stringify(operationName).slice(0, 40)}`,
      })),
    },
    {
      weight: 1,
      arbitrary: fc
        .oneof(
          fc.constant({ persistedQuery: { version: 1, sha256Hash: sha256(op.query) } }),
          fc
            .string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 })
            .map((h) => ({ persistedQuery: { version: 1, sha256Hash: h } })),
          fc.constant({ persistedQuery: { version: 2, sha256Hash: sha256(op.query) } }),
          hostileJsonValue.map((v) => ({ persistedQuery: v })),
          protoObject,
        )
        .chain((extensions) =>
          fc.boolean().map((withQuery) => {
            const body: Record<string, unknown> = { ...base(), extensions };
            if (!withQuery) delete body.query;
            return { body, intent: `${op.intent}; extensions${withQuery ? '' : ' without query'}` };
          }),
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .oneof(
          fc.constantFrom<[string, unknown]>(
            ['query', 42],
            ['query', null],
            ['query', []],
            ['query', { query: op.query }],
            ['variables', 'not an object'],
            ['variables', [1, 2]],
            ['variables', 5],
          ),
          fc.constant<[string, unknown]>(['variables', JSON.stringify(op.variables ?? {})]),
        )
        .map(([key, value]) => ({
          body: { ...base(), [key]: value },
          intent: `${op.intent}; ${key} of the wrong type`,
        })),
    },
    {
      weight: 1,
      arbitrary: protoObject.map((o) => ({
        body: withOwnKey(base(), '__proto__', o),
        intent: `${op.intent}; __proto__ member`,
      })),
    },
  );
}

interface Body {
  readonly body: string | Buffer;
  readonly intent: string;
  readonly mutation: boolean;
}

/**
 * A mutation that would run, in a body whose text is not Unicode (issue 10): raw bytes that are not UTF-8
 * or a lone surrogate escape in a variable. A lenient decoder would store the label mangled.
 */
function notUnicodeMutation(fx: Fixtures): fc.Arbitrary<Body> {
  return notUnicode({
    query: 'mutation Rename($id: ID!, $label: String) { setSourceLabel(id: $id, label: $label) { id } }',
    variables: { id: fx.source, label: `renamed ${NOT_UNICODE_MARKER}` },
  }).map(({ body, intent }) => ({ body, intent: `mutation with ${intent}`, mutation: true }));
}

/** POST bodies: an envelope as JSON, a batch, or something that is no envelope at all. */
function postBody(fx: Fixtures): fc.Arbitrary<Body> {
  const ops = graphqlOperations(fx);
  return fc.oneof(
    { weight: 1, arbitrary: notUnicodeMutation(fx) },
    {
      weight: 12,
      arbitrary: ops.chain((op) =>
        envelope(op).map(({ body, intent }) => ({ body: json(body), intent, mutation: op.mutation })),
      ),
    },
    {
      weight: 1,
      arbitrary: fc.array(ops, { minLength: 1, maxLength: 4 }).map((list) => ({
        body: json(list.map((op) => ({ query: op.query, variables: op.variables }))),
        intent: 'a batch',
        mutation: list.some((op) => op.mutation),
      })),
    },
    {
      weight: 2,
      arbitrary: fc
        .oneof(
          brokenJson.map((body) => ({ body: body, intent: 'broken JSON' })),
          invalidUtf8Json.map((body) => ({ body: body, intent: 'invalid UTF-8' })),
          deepJson.map((body) => ({ body: body, intent: 'deeply nested JSON' })),
          fc
            .constantFrom('null', '"{ service { name } }"', '42', 'true', '{}', '[]', '')
            .map((body) => ({ body: body, intent: 'not an envelope' })),
          hostileJsonValue.map((v) => ({
            body: json(v),
            intent: 'hostile JSON, not an envelope',
          })),
        )
        .map((b) => ({ ...b, mutation: false })),
    },
  );
}

/** `/graphql?query=...&variables=...`: encoded properly, broken, repeated or missing. */
function getTarget(fx: Fixtures): fc.Arbitrary<{ target: string; intent: string; mutation: boolean }> {
  return fc
    .tuple(graphqlOperations(fx), fc.nat(12), hostileString, fc.constantFrom(...BROKEN_PERCENT))
    .filter(([op]) => op.query.length < 4_000)
    .map(([op, how, noise, broken]) => {
      const query = `query=${percentEncode(op.query)}`;
      const variables = op.variables === undefined ? '' : `&variables=${percentEncode(json(op.variables))}`;
      const params = [
        [`${query}${variables}`, ''],
        [`${query}&variables=${percentEncode('{"id": ')}`, 'broken variables JSON'],
        [`${query}&variables=${percentEncode('"x"')}`, 'variables a string'],
        [`${query}${variables}&query=${percentEncode('{ service { name } }')}`, 'query repeated'],
        [`variables=${percentEncode('{}')}`, 'no query'],
        [`${query}&operationName=${percentEncode(noise)}`, 'unknown operationName'],
        [
          `${query}&extensions=${percentEncode(json({ persistedQuery: { version: 1, sha256Hash: sha256(op.query) } }))}`,
          'APQ extensions',
        ],
        [`extensions=${percentEncode('{"persistedQuery":')}`, 'broken extensions JSON'],
        [`${query}${broken}`, 'broken percent-encoding'],
        [
          `${query}&variables=${percentEncode('{"label":"')}%FF%FE${percentEncode('"}')}`,
          'variables not UTF-8',
        ],
        [`${query}&${percentEncode(noise)}=${percentEncode(noise)}&__proto__=1`, 'unknown parameters'],
        [`${query}${variables}`, 'plain'],
        [`${query}${variables}`, 'plain'],
      ][how]!;
      return {
        target: `/graphql?${params[0]}`,
        intent: `GET ${op.intent}${params[1] ? `; ${params[1]}` : ''}`,
        mutation: op.mutation,
      };
    });
}

/** Headers that get a GET past Apollo's CSRF check (or deliberately not). */
const preflight = fc.constantFrom<Headers>(
  { 'apollo-require-preflight': 'true' },
  { 'x-apollo-operation-name': 'Q' },
  { 'content-type': 'application/json' },
  {},
);

const fits = (req: HostileRequest) => headerBytes(req.target, req.headers as Headers) <= HEADER_BUDGET;

function request(
  method: string,
  target: string,
  headers: Headers,
  b: { body?: string | Buffer; intent: string; mutation: boolean },
  chunked = false,
): HostileRequest {
  return {
    method,
    target,
    headers,
    body: b.body,
    chunked,
    api: 'graphql',
    operation: `${method === 'GET' || method === 'POST' ? method : 'other'} /graphql`,
    intent: b.intent,
    mustBeRefused: b.mutation,
  };
}

/** Hostile requests to the GraphQL endpoint. */
export function graphqlRequests(fx: Fixtures): fc.Arbitrary<HostileRequest> {
  const post = fc.tuple(postBody(fx), hostileHeaders, fc.nat(9)).map(([b, headers, how]) => {
    // Mostly JSON, so the documents reach the parser; otherwise a lying type (blocked as CSRF or unparsed).
    const type =
      how < 6
        ? 'application/json'
        : how < 8
          ? headers['content-type']
          : LYING_CONTENT_TYPES[how % LYING_CONTENT_TYPES.length]!;
    const withType: Headers = { ...headers };
    if (type === undefined) delete withType['content-type'];
    else withType['content-type'] = type;
    return request('POST', '/graphql', withType, b, how === 9);
  });
  const get = fc.tuple(getTarget(fx), hostileHeaders, preflight).map(([t, headers, pre]) => {
    const { 'content-type': _type, ...rest } = headers;
    return request('GET', t.target, { ...rest, ...pre }, { intent: t.intent, mutation: t.mutation });
  });
  const other = fc
    .tuple(fc.constantFrom('PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'), postBody(fx))
    .map(([method, b]) =>
      request(method, '/graphql', { 'content-type': 'application/json' }, { ...b, mutation: true }),
    );
  return fc
    .oneof({ weight: 12, arbitrary: post }, { weight: 6, arbitrary: get }, { weight: 1, arbitrary: other })
    .filter(fits);
}
