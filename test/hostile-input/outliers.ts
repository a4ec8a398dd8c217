import fc from 'fast-check';
import { MAX_GRAPHQL_BODY_BYTES } from '../../gateway/limits/index.js';
import { MAX_REST_BODY_BYTES } from '../../gateway/rest/context.js';
import type { Fixtures } from './fixtures.js';
import { hostileHeaders } from './hostile-headers.js';
import { json } from './hostile-json.js';
import { OPERATIONS, operationName } from './operations.js';
import type { HostileRequest } from './send.js';

/**
 * Requests outside the operation table: bodies over the size limits (one per operation that takes a
 * body, some of them chunked so no length announces them), methods a 7.0 path lacks, and paths that
 * are no 7.0 path (traversal, doubled slashes, unsigned object-store URLs).
 */

/** A body of exactly `size` bytes that is invalid for every operation even if it were read. */
function paddedBody(size: number): Buffer {
  const head = '[{"object_id":"","id":42,"limit":"';
  const tail = '"}]';
  return Buffer.concat([
    Buffer.from(head),
    Buffer.alloc(size - head.length - tail.length, 0x78),
    Buffer.from(tail),
  ]);
}

export function oversizedRequests(): HostileRequest[] {
  const over = paddedBody(MAX_REST_BODY_BYTES + 1);
  const requests: HostileRequest[] = OPERATIONS.filter((op) => op.body).map((op, i) => ({
    method: op.method,
    target: op.path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000'),
    headers: { 'content-type': 'application/json' },
    body: over,
    chunked: i % 4 === 0,
    api: 'rest',
    operation: operationName(op),
    intent: `body of ${over.length} bytes${i % 4 === 0 ? ', chunked' : ''}`,
    mustBeRefused: true,
  }));
  // Just under the limit: read and parsed in full, then refused for what it is.
  const under = paddedBody(MAX_REST_BODY_BYTES - 1024);
  for (const op of OPERATIONS.filter((o) => o.body === 'segments' || o.body === 'webhook'))
    requests.push({
      method: op.method,
      target: op.path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000'),
      headers: { 'content-type': 'application/json' },
      body: under,
      api: 'rest',
      operation: operationName(op),
      intent: `body of ${under.length} bytes, just under the limit`,
      mustBeRefused: true,
    });
  const graphqlOver = Buffer.from(
    json({ query: `{ service { name } } # ${'x'.repeat(MAX_GRAPHQL_BODY_BYTES)}` }),
  );
  const graphqlUnder = Buffer.from(
    json({ query: `{ service { name } } # ${'x'.repeat(MAX_GRAPHQL_BODY_BYTES - 1_000)}` }),
  );
  for (const [body, chunked, intent] of [
    [graphqlOver, false, 'GraphQL body over the limit'],
    [graphqlOver, true, 'GraphQL body over the limit, chunked'],
    [graphqlUnder, false, 'GraphQL body just under the limit'],
  ] as const)
    requests.push({
      method: 'POST',
      target: '/graphql',
      headers: { 'content-type': 'application/json' },
      body,
      chunked,
      api: 'graphql',
      operation: 'POST /graphql',
      intent,
      mustBeRefused: false,
    });
  return requests;
}

const ALL_METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/** Methods each 7.0 path lacks (405), sent at existing resources with bodies that would otherwise be valid. */
export function missingMethods(fx: Fixtures): fc.Arbitrary<HostileRequest> {
  const missing = [...new Set(OPERATIONS.map((o) => o.path))].flatMap((path) => {
    const has = new Set<string>(OPERATIONS.filter((o) => o.path === path).map((o) => o.method));
    return ALL_METHODS.filter((m) => !has.has(m)).map((method) => ({ method, path }));
  });
  return fc
    .tuple(
      fc.constantFrom(...missing),
      hostileHeaders,
      fc.constantFrom<string | undefined>(undefined, '"x"', '{}', 'true', '[]'),
    )
    .map(([{ method, path }, headers, body]): HostileRequest => ({
      method,
      target: path
        .replace('{flowId}', fx.flow)
        .replace('{sourceId}', fx.source)
        .replace('{name}', 'genre')
        .replace('{objectId}', encodeURIComponent(fx.objectId))
        .replace('{request-id}', fx.deleteRequest),
      headers,
      body,
      api: 'rest',
      operation: `${method} ${path} (not in 7.0)`,
      intent: 'a method the path does not have',
      mustBeRefused: true,
    }));
}

/** Paths that are no 7.0 path, with every method. */
export function unknownPaths(fx: Fixtures): fc.Arbitrary<HostileRequest> {
  const paths = [
    `/flows/${fx.flow}/segments/extra`,
    `/flows/${fx.flow}/label/`,
    `/flows/${fx.flow}//label`,
    `/flows//${fx.flow}`,
    `//flows/${fx.flow}`,
    `/flows/./${fx.flow}`,
    `/flows/${fx.flow}/./label`,
    `/flows/${fx.flow}/../${fx.readOnlyFlow}/label`,
    `/flows/${fx.flow}/%2e%2e/${fx.readOnlyFlow}/label`,
    '/../../etc/passwd',
    '/flows/%2e%2e/%2e%2e/etc/passwd',
    '/objects',
    '/objects/',
    `/objects/${fx.objectId}/instances`,
    '/service/webhooks/1',
    '/service/profiles',
    '/FLOWS',
    '/flows;jsessionid=1',
    '/flows%00',
    '/flows/',
    '/sources/',
    '/flow-delete-request/' + fx.deleteRequest,
    `/object-store/${fx.objectId}`,
    `/object-store/${fx.objectId}?expires=99999999999&signature=forged`,
    '/object-store/../tams.sqlite3',
    '/object-store/%2e%2e/tams.sqlite3',
    '/object-store/..%2Ftams.sqlite3',
    '/object-store/',
    '/graphql/',
    '/graphql/../flows',
    '/health/../flows',
    '/%',
    '/%ED%A0%80',
  ];
  return fc
    .tuple(fc.constantFrom(...paths), fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'HEAD'), hostileHeaders)
    .map(([target, method, headers]): HostileRequest => ({
      method,
      target,
      headers,
      body: method === 'PUT' || method === 'POST' ? '"x"' : undefined,
      api: 'rest',
      operation: `${method} (no 7.0 path)`,
      intent: 'a path the API does not have',
      mustBeRefused: method !== 'GET' && method !== 'HEAD',
    }));
}
