import { eventually } from '../../lib/test-support/eventually.js';
import { activeSubscriptions, untilActiveSubscriptions } from '../support/metrics.js';
import { WsTestClient } from '../subscriptions/ws-client.js';
import type { Store, TransportCase } from './cases.js';

/** What a transport made of a case, in terms every transport shares. */
export interface Outcome {
  /** The operation's data, when it ran and produced some. */
  readonly data?: unknown;
  /** The code of the first error, when there was one. */
  readonly code?: string;
  /** Refused before execution: no data over HTTP, an `error` message (or a 44xx close) on graphql-ws. */
  readonly refused: boolean;
  /** The HTTP status, where there is one. */
  readonly status?: number;
}

export const TRANSPORTS = ['HTTP POST', 'HTTP GET', 'graphql-ws'] as const;
export type Transport = (typeof TRANSPORTS)[number];

export type Driver = (store: Store, c: TransportCase) => Promise<Outcome>;

interface GraphQLBody {
  data?: unknown;
  errors?: { extensions?: { code?: string } }[];
}

function graphqlOutcome(status: number, body: GraphQLBody): Outcome {
  return {
    ...(body.data === undefined || body.data === null ? {} : { data: body.data }),
    ...(body.errors?.length ? { code: body.errors[0]!.extensions?.code } : {}),
    refused: body.data === undefined,
    status,
  };
}

const bearer = (store: Store, c: TransportCase) => ({ authorization: `Bearer ${store.tokens[c.as]}` });

const httpPost: Driver = async (store, c) => {
  const response = await fetch(store.graphqlUrl, {
    method: 'POST',
    headers: { ...bearer(store, c), 'content-type': 'application/json' },
    body: JSON.stringify({
      query: c.query,
      variables: c.variables?.(store),
      ...(c.operationName ? { operationName: c.operationName } : {}),
    }),
  });
  return graphqlOutcome(response.status, (await response.json()) as GraphQLBody);
};

const httpGet: Driver = async (store, c) => {
  const search = new URLSearchParams({ query: c.query });
  const variables = c.variables?.(store);
  if (variables) search.set('variables', JSON.stringify(variables));
  if (c.operationName) search.set('operationName', c.operationName);
  // Apollo's CSRF prevention wants a header a browser cannot send cross-site without a preflight.
  const response = await fetch(`${store.graphqlUrl}?${search.toString()}`, {
    headers: { ...bearer(store, c), 'apollo-require-preflight': 'true' },
  });
  return graphqlOutcome(response.status, (await response.json()) as GraphQLBody);
};

/** A 44xx close at connection_init: refused before anything ran, with the close code's meaning. */
const CLOSE_CODES: Record<number, string> = { 4400: 'BAD_REQUEST', 4401: 'UNAUTHENTICATED' };

const graphqlWs: Driver = async (store, c) => {
  const client = await WsTestClient.connect(store.graphqlUrl.replace(/^http/, 'ws'), bearer(store, c));
  try {
    const init = await client.initResult();
    if (init !== 'ack') return { code: CLOSE_CODES[init.code] ?? `close ${init.code}`, refused: true };
    client.subscribe('1', c.query, c.variables?.(store), c.operationName);
    if (c.kind === 'subscription') {
      // A subscription answers nothing until an event concerns it: make one once it follows the outbox
      // (unless it was refused meanwhile).
      const answered = () => client.of('1').length > 0 || client.closed !== null;
      await eventually(
        async () => answered() || (await activeSubscriptions(store.url)) === 1,
        'the subscription to start or be refused',
      );
      if (!answered())
        await store.rest('PUT', `/flows/${store.flow}/label`, JSON.stringify('transport suite'));
    }
    const [message] = await client.nextOf('1', 1);
    if (!message) return { code: `closed ${client.closed?.code}`, refused: true };
    if (message.type === 'error') {
      const errors = message.payload as { extensions?: { code?: string } }[];
      return { code: errors[0]?.extensions?.code, refused: true };
    }
    return { ...graphqlOutcome(0, message.payload as GraphQLBody), status: undefined };
  } finally {
    client.close();
    if (c.kind === 'subscription') await untilActiveSubscriptions(store.url, 0);
  }
};

export const DRIVERS: Record<Transport, Driver> = {
  'HTTP POST': httpPost,
  'HTTP GET': httpGet,
  'graphql-ws': graphqlWs,
};

/** Whether a transport can carry the case at all (GET only queries, subscriptions only graphql-ws). */
export function carries(transport: Transport, c: TransportCase): boolean {
  if (c.only) return c.only.includes(transport);
  if (c.kind === 'subscription') return transport === 'graphql-ws';
  if (c.kind === 'mutation') return transport !== 'HTTP GET';
  return true;
}

/** The REST route a case maps to: its status, and its body (`type` of an error). */
export async function restOutcome(
  store: Store,
  c: TransportCase,
): Promise<{ status: number; body: Record<string, unknown> | undefined }> {
  const rest = c.rest!;
  const response = await store.rest(rest.method, rest.path(store), rest.body, store.tokens[c.as]);
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}
