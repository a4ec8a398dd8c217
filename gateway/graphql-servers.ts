import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import type { GraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import type { BaseContext } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import type { Caller } from './auth/caller.js';
import type { CallerContext } from './auth/graphql-scope-plugin.js';
import { scopePlugin } from './auth/graphql-scope-plugin.js';
import { operationResolutionPlugin } from './operation-resolution-plugin.js';
import type { InternalTokens } from './auth/internal-token.js';
import { errorLogPlugin } from './error-log-plugin.js';
import { formatError } from './format-error.js';
import { gatewayValidationRules, MAX_GRAPHQL_TOKENS, resultSizePlugin } from './limits/index.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';

/** What the gateway knows about each request; subgraph contexts are built from it. */
export type GatewayContext = BaseContext & {
  readonly requestId: string;
  /** The authenticated caller: its scopes are checked per root field, its principal recorded as created_by. */
  readonly caller: Caller;
};

export interface ServerOptions {
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly introspection: boolean;
}

/** The gateway's Apollo Server, and the API schema it serves (for graphql-ws, which validates itself). */
export interface GatewayServer {
  readonly server: ApolloServer<GatewayContext>;
  apiSchema(): GraphQLSchema;
}

/** The gateway: the composed supergraph, each subgraph reached in process or over HTTP. */
export async function createGatewayServer(
  supergraphSdl: string,
  dataSource: (subgraph: { name: string; url?: string }) => GraphQLDataSource,
  options: ServerOptions,
): Promise<GatewayServer> {
  // @apollo/gateway reports usage data to Apollo's servers unless told not to. A media store keeps its
  // traffic to itself by default; operators who want it set APOLLO_TELEMETRY_DISABLED=false.
  process.env.APOLLO_TELEMETRY_DISABLED ??= 'true';
  const gateway = new ApolloGateway({ supergraphSdl, buildService: (s) => dataSource(s) });
  let apiSchema: GraphQLSchema | undefined;
  gateway.onSchemaLoadOrUpdate(({ apiSchema: loaded }) => (apiSchema = loaded));
  const logged = new WeakSet<object>();
  const server = new ApolloServer<GatewayContext>({
    gateway,
    introspection: options.introspection,
    validationRules: gatewayValidationRules(),
    ...sharedOptions(options, logged),
    plugins: [
      options.metrics.plugin(),
      errorLogPlugin<GatewayContext>(options.log, logged),
      operationResolutionPlugin<GatewayContext>(),
      scopePlugin<GatewayContext>(),
      resultSizePlugin<GatewayContext>(),
    ],
  });
  await server.start();
  return {
    server,
    apiSchema() {
      if (!apiSchema) throw new Error('the gateway has not loaded its schema');
      return apiSchema;
    },
  };
}

/**
 * A subgraph served on its own (distributed mode): the gateway is its only intended client, and the
 * caller's scopes it forwards are checked again here.
 */
export async function createSubgraphServer<T extends CallerContext>(
  schema: GraphQLSchema,
  options: ServerOptions,
): Promise<ApolloServer<T>> {
  const logged = new WeakSet<object>();
  const server = new ApolloServer<T>({
    schema,
    introspection: true,
    ...sharedOptions(options, logged),
    plugins: [
      options.metrics.plugin(),
      errorLogPlugin<T>(options.log, logged),
      operationResolutionPlugin<T>(),
      scopePlugin<T>(),
    ],
  });
  await server.start();
  return server;
}

/** What every GraphQL server of the store does the same way; `logged` holds errors already logged. */
function sharedOptions(options: ServerOptions, logged: WeakSet<object>) {
  return {
    // Bounds the parser's work (and its recursion) before any validation rule runs.
    parseOptions: { maxTokens: MAX_GRAPHQL_TOKENS },
    includeStacktraceInErrorResponses: false,
    formatError: formatError(
      options.log,
      (error) => typeof error === 'object' && error !== null && logged.has(error),
    ),
    logger: options.log,
    // Apollo's own SIGINT/SIGTERM handlers stop the server at once and then re-raise the signal, killing
    // the process before the HTTP drain has answered what is in flight. The process composes its
    // shutdown itself (gateway/service.ts): HTTP drain first, then Apollo, then the workers.
    stopOnTerminationSignals: false,
  };
}

/** How often a subgraph request refused by a draining instance is sent again. */
const DRAIN_RETRIES = 2;

/**
 * Fetch for subgraph requests. A subgraph answers an operation it finds invalid (say a malformed
 * TimeRange literal, which only the subgraph's scalar can check) with HTTP 400 and a GraphQL error body;
 * the gateway would turn that into an opaque failure, so the body is passed on as the GraphQL response
 * it is, keeping the subgraph's error codes, exactly as in embedded mode.
 *
 * A subgraph instance that is shutting down answers 503 `ShuttingDown` without running anything (the
 * HTTP drain), on a connection it then closes: the request is sent again, on a new connection, which a
 * balancer gives to another instance. Safe for mutations too, since nothing ran.
 */
export async function subgraphFetch(url: string, init?: RequestInit): Promise<Response> {
  let response = await fetch(url, init);
  for (let retry = 0; retry < DRAIN_RETRIES && (await refusedWhileDraining(response)); retry++)
    response = await fetch(url, init);
  if (response.status !== 400 || !(response.headers.get('content-type') ?? '').includes('json'))
    return response;
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { errors?: unknown };
    if (Array.isArray(body.errors)) return new Response(text, { status: 200, headers: response.headers });
  } catch {
    // not a GraphQL body: fall through to the gateway's own handling of the 400
  }
  return new Response(text, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/** Whether `response` is a draining server's refusal (HttpServer: 503, type ShuttingDown); consumes it if so. */
async function refusedWhileDraining(response: Response): Promise<boolean> {
  if (response.status !== 503 || !response.headers.has('retry-after')) return false;
  const body = (await response
    .clone()
    .json()
    .catch(() => null)) as { type?: unknown } | null;
  if (body?.type !== 'ShuttingDown') return false;
  await response.body?.cancel();
  return true;
}

/**
 * A subgraph over HTTP: forwards the request id and, with authentication on, the caller as an internal
 * token signed for the subgraph (the client's own credentials never leave the gateway).
 */
export function remoteDataSource(url: string, internal?: InternalTokens): GraphQLDataSource<GatewayContext> {
  return new RemoteGraphQLDataSource<GatewayContext>({
    url,
    fetcher: subgraphFetch,
    async willSendRequest({ request, context }) {
      if ('requestId' in context && typeof context.requestId === 'string')
        request.http?.headers.set('x-request-id', context.requestId);
      // The context is the gateway's for client operations; Apollo's own (health) fetches have none.
      const caller = (context as Partial<GatewayContext>).caller;
      if (internal && caller)
        request.http?.headers.set('authorization', `Bearer ${await internal.sign(caller)}`);
    },
  });
}
