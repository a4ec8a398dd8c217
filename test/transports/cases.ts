import type { Transport } from './drivers.js';

/** The running store the cases are sent to. */
export interface Store {
  readonly url: string;
  readonly graphqlUrl: string;
  /** A flow every case may read and label. */
  readonly flow: string;
  readonly tokens: Readonly<Record<Caller, string>>;
  rest(method: string, path: string, body?: string, token?: string): Promise<Response>;
}

/** Who sends a case: a token with every scope, one with `read` alone, a revoked one. */
export type Caller = 'admin' | 'read' | 'revoked';

export interface TransportCase {
  readonly name: string;
  readonly kind: 'query' | 'mutation' | 'subscription';
  readonly query: string;
  readonly variables?: (store: Store) => Record<string, unknown>;
  readonly operationName?: string;
  readonly as: Caller;
  /** The transports that carry it, when not every one that can (drivers.ts `carries`). */
  readonly only?: readonly Transport[];
  /** What every transport must make of it: data, or a refusal or failure with a code. */
  readonly expect:
    | { readonly data: (store: Store) => unknown }
    | { readonly code: string; readonly refused: boolean; readonly status: number };
  /** The REST route that does the same, where one does: its status and error `type`. */
  readonly rest?: {
    readonly method: string;
    readonly path: (store: Store) => string;
    readonly body?: string;
    readonly status: number;
    readonly type?: string;
  };
}

const LABEL = 'transport suite';
const flowId = (store: Store) => ({ id: store.flow });
const refused = (code: string, status: number) => ({ code, refused: true, status });

/** `depth` nested `source { flows { nodes { ... } } }` levels around `id`. */
const nested = (depth: number) =>
  `${'source { flows(limit: 1) { nodes { '.repeat(depth)}id${' } } }'.repeat(depth)}`;

/** A chain of `length` fragments, each spreading the next: deeper than the fragment bounds allow. */
const chain = (length: number) =>
  `{ ...F0 } ${Array.from({ length }, (_, i) => `fragment F${i} on Query { ${i < length - 1 ? `...F${i + 1}` : '__typename'} }`).join(' ')}`;

/**
 * The table every transport passes (the apollo-server habit: one integration suite, every adapter):
 * the same case gives the same outcome and code over HTTP POST, HTTP GET and graphql-ws, and its REST
 * route (where one does the same thing) the matching status and TAMS error type.
 */
export const CASES: readonly TransportCase[] = [
  {
    name: 'a query',
    kind: 'query',
    query: 'query Flow($id: ID!) { flow(id: $id) { id label } }',
    variables: flowId,
    as: 'read',
    expect: { data: (store) => ({ flow: { id: store.flow, label: LABEL } }) },
    rest: { method: 'GET', path: (store) => `/flows/${store.flow}`, status: 200 },
  },
  {
    name: 'a mutation',
    kind: 'mutation',
    query: `mutation Label($id: ID!) { setFlowLabel(id: $id, label: "${LABEL}") { id label } }`,
    variables: flowId,
    as: 'admin',
    expect: { data: (store) => ({ setFlowLabel: { id: store.flow, label: LABEL } }) },
    rest: {
      method: 'PUT',
      path: (store) => `/flows/${store.flow}/label`,
      body: JSON.stringify(LABEL),
      status: 204,
    },
  },
  {
    name: 'a subscription',
    kind: 'subscription',
    query: 'subscription Watch($id: ID!) { flowUpdated(id: $id) { id label } }',
    variables: flowId,
    as: 'read',
    expect: { data: (store) => ({ flowUpdated: { id: store.flow, label: LABEL } }) },
  },
  {
    name: 'a subscription over HTTP',
    kind: 'query',
    only: ['HTTP POST'],
    query: 'subscription Watch($id: ID!) { flowUpdated(id: $id) { id label } }',
    variables: flowId,
    as: 'read',
    expect: refused('OPERATION_RESOLUTION_FAILURE', 400),
  },
  {
    name: 'a syntax error',
    kind: 'query',
    query: '{ flow(',
    as: 'read',
    expect: refused('GRAPHQL_PARSE_FAILED', 400),
  },
  {
    name: 'a validation error',
    kind: 'query',
    query: '{ nope }',
    as: 'read',
    expect: refused('GRAPHQL_VALIDATION_FAILED', 400),
  },
  {
    name: 'too deep',
    kind: 'query',
    query: `{ flows(limit: 1) { nodes { ${nested(6)} } } }`,
    as: 'read',
    expect: refused('QUERY_TOO_DEEP', 400),
  },
  {
    name: 'fragments nested too deep',
    kind: 'query',
    query: chain(12),
    as: 'read',
    expect: refused('QUERY_TOO_COMPLEX', 400),
  },
  {
    name: 'a result too large for its variables',
    kind: 'query',
    query: 'query($n: Int) { flows(limit: $n) { nodes { source { flows(limit: $n) { nodes { id } } } } } }',
    variables: () => ({ n: 1000 }),
    as: 'read',
    expect: refused('QUERY_TOO_COMPLEX', 400),
  },
  {
    name: 'a mutation without the write scope',
    kind: 'mutation',
    query: `mutation Label($id: ID!) { setFlowLabel(id: $id, label: "${LABEL}") { id } }`,
    variables: flowId,
    as: 'read',
    expect: refused('FORBIDDEN', 403),
    rest: {
      method: 'PUT',
      path: (store) => `/flows/${store.flow}/label`,
      body: JSON.stringify(LABEL),
      status: 403,
      type: 'FORBIDDEN',
    },
  },
  {
    name: 'a query without the admin scope',
    kind: 'query',
    query: '{ flowDeleteRequests { id } }',
    as: 'read',
    expect: refused('FORBIDDEN', 403),
    rest: { method: 'GET', path: () => '/flow-delete-requests', status: 403, type: 'FORBIDDEN' },
  },
  {
    name: 'a revoked token',
    kind: 'query',
    query: 'query Flow($id: ID!) { flow(id: $id) { id label } }',
    variables: flowId,
    as: 'revoked',
    expect: refused('UNAUTHENTICATED', 401),
    rest: { method: 'GET', path: (store) => `/flows/${store.flow}`, status: 401, type: 'UNAUTHENTICATED' },
  },
  {
    name: 'an unknown operationName',
    kind: 'query',
    query: 'query A { __typename }',
    operationName: 'B',
    as: 'read',
    expect: refused('OPERATION_RESOLUTION_FAILURE', 400),
  },
  {
    // The suite drops the webhooks table under the store: a failure no input can cause.
    name: 'an internal error',
    kind: 'query',
    query: '{ webhooks { url } }',
    as: 'read',
    expect: { code: 'INTERNAL_SERVER_ERROR', refused: false, status: 200 },
    rest: { method: 'GET', path: () => '/service/webhooks', status: 500, type: 'INTERNAL_SERVER_ERROR' },
  },
];
