import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import type { GraphQLDataSource } from '@apollo/gateway';
import type { ApolloServer } from '@apollo/server';
import type { Tracer } from '@opentelemetry/api';
import type { GraphQLSchema } from 'graphql';
import type { InternalTokens } from './auth/internal-token.js';
import { MAX_RESULT_OBJECTS } from './limits/index.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { DirectRoutes, OperationContext, PersistedQueryStore } from './operations/index.js';
import { tracedExecution } from './tracing/operation-spans.js';
import type { SubgraphCircuit } from './subgraph-circuit.js';
import { tracedFetch } from './tracing/subgraph-spans.js';
import {
  apolloAdapter,
  gatewayExecution,
  gatewayValidation,
  OperationPipeline,
  schemaExecution,
  SUBGRAPH_VALIDATION,
} from './operations/index.js';

/** A GraphQL server of this process: its operation pipeline, and Apollo Server as its HTTP adapter. */
export interface GraphQLServer {
  readonly pipeline: OperationPipeline;
  readonly http: ApolloServer<OperationContext>;
  stop(): Promise<void>;
}

export interface ServerOptions {
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Where automatic persisted queries are kept (the replicas' shared cache); default: in process. */
  readonly persistedQueries?: PersistedQueryStore;
  /** With tracing on: a span per operation (gateway/tracing). */
  readonly tracer?: Tracer;
}

/**
 * The gateway: the composed supergraph, each subgraph reached in process or over HTTP, behind the
 * operation pipeline every transport enters. `direct` (embedded mode) lets the server's own documents
 * whose plan is one fetch from a subgraph in this process run straight on it.
 */
export async function startGateway(
  supergraphSdl: string,
  dataSource: (subgraph: { name: string; url?: string }) => GraphQLDataSource,
  options: ServerOptions & { readonly introspection: boolean; readonly direct?: DirectRoutes },
): Promise<GraphQLServer> {
  const { log, metrics, direct, tracer } = options;
  // @apollo/gateway reports usage data to Apollo's servers unless told not to. A media store keeps its
  // traffic to itself by default; operators who want it set APOLLO_TELEMETRY_DISABLED=false.
  process.env.APOLLO_TELEMETRY_DISABLED ??= 'true';
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: (s) => dataSource(s),
    ...(direct ? { experimental_didResolveQueryPlan: direct.observePlan } : {}),
  });
  const { schema, executor } = await gateway.load();
  const execution = gatewayExecution(executor, schema, log, direct);
  const pipeline = new OperationPipeline({
    schema,
    execution: tracer ? tracedExecution(execution, tracer, { gateway: true }) : execution,
    validation: gatewayValidation({ introspection: options.introspection }),
    admission: { maxResultObjects: MAX_RESULT_OBJECTS },
    log,
    metrics,
    ...(direct ? { direct } : {}),
  });
  return startHttpAdapter(pipeline, options, () => gateway.stop());
}

/**
 * A subgraph served on its own (distributed mode): the gateway is its only intended client, and the
 * caller's scopes it forwards are checked again here (no gateway limits: the gateway applied them).
 */
export async function startSubgraphServer(
  schema: GraphQLSchema,
  context: (operation: OperationContext) => unknown,
  options: ServerOptions & { readonly name: string },
): Promise<GraphQLServer> {
  const execution = schemaExecution(schema, context);
  const { tracer } = options;
  const pipeline = new OperationPipeline({
    schema,
    execution: tracer ? tracedExecution(execution, tracer, { subgraph: options.name }) : execution,
    validation: SUBGRAPH_VALIDATION,
    admission: { maxResultObjects: undefined },
    log: options.log,
    metrics: options.metrics,
  });
  return startHttpAdapter(pipeline, options, () => Promise.resolve());
}

async function startHttpAdapter(
  pipeline: OperationPipeline,
  options: ServerOptions,
  stopExecution: () => Promise<void>,
): Promise<GraphQLServer> {
  const http = apolloAdapter(pipeline, options);
  await http.start();
  return {
    pipeline,
    http,
    async stop() {
      await http.stop();
      await stopExecution();
    },
  };
}

/** TAMS_SUBGRAPH_TIMEOUT_MS's default (lib/config), for callers without a configuration (tests). */
export const DEFAULT_SUBGRAPH_TIMEOUT_MS = 30_000;

/** How often a subgraph request refused by a draining instance is sent again. */
const DRAIN_RETRIES = 2;

/**
 * Fetch for subgraph requests. A subgraph answers an operation it finds invalid (say a malformed
 * TimeRange literal, which only the subgraph's scalar can check) with HTTP 400 and a GraphQL error body;
 * the gateway would turn that into an opaque failure, so the body is passed on as the GraphQL response
 * it is, keeping the subgraph's error codes, exactly as in embedded mode.
 *
 * A subgraph instance that is shutting down answers 503 `SHUTTING_DOWN` without running anything (the
 * HTTP drain), on a connection it then closes: the request is sent again, on a new connection, which a
 * balancer gives to another instance. Safe for mutations too, since nothing ran.
 *
 * A subgraph that cannot be reached (nothing listens: the process died or is restarting; or it answers
 * 503 without a GraphQL body: still starting, or draining past the retries) is answered
 * at once as a GraphQL error SERVICE_UNAVAILABLE, which clients get as a 503 with Retry-After, instead
 * of an internal error; so is a subgraph's own admission control refusing the request (503 OVERLOADED,
 * passed on with its code like a 400's errors).
 *
 * A subgraph that accepts the connection but does not answer within `timeoutMs` (TAMS_SUBGRAPH_TIMEOUT_MS:
 * its process is stopped or its event loop stuck; the kernel still accepts) is answered the same way, the
 * request aborted and its connection closed. The deadline runs until the response headers: a subgraph
 * sends them once its operation is done, so it bounds the operation, and the body follows at once.
 * With a `circuit` (gateway/subgraph-circuit.ts), a part that answered nothing while a request waited
 * its deadline is answered 503 at once until a probe gets an answer, instead of a deadline per request.
 */
export async function subgraphFetch(
  url: string,
  init?: RequestInit,
  timeoutMs = DEFAULT_SUBGRAPH_TIMEOUT_MS,
  circuit?: SubgraphCircuit,
): Promise<Response> {
  if (circuit?.open)
    return unreachable(
      `a part of the store (subgraph ${circuit.name}) did not answer within ${timeoutMs} ms and is probed until it does; retry shortly`,
    );
  const startedAt = circuit?.started() ?? 0;
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  const signal = init?.signal ? AbortSignal.any([init.signal, deadline.signal]) : deadline.signal;
  const attempt = { ...init, signal };
  let response: Response;
  try {
    response = await fetch(url, attempt);
    for (let retry = 0; retry < DRAIN_RETRIES && (await refusedWhileDraining(response)); retry++)
      response = await fetch(url, attempt);
    circuit?.answered();
  } catch (error) {
    if (deadline.signal.aborted) {
      circuit?.timedOut(startedAt);
      return unreachable(
        `a part of the store did not answer within ${timeoutMs} ms (a subgraph is stuck or overloaded); retry shortly`,
      );
    }
    if (!isUnreachable(error)) throw error;
    return unreachable();
  } finally {
    clearTimeout(timer);
  }
  if (
    (response.status !== 400 && response.status !== 503) ||
    !(response.headers.get('content-type') ?? '').includes('json')
  )
    return response;
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { errors?: unknown };
    if (Array.isArray(body.errors)) return new Response(text, { status: 200, headers: response.headers });
    // A subgraph still starting (503 STARTING), or still draining after the retries: not there yet.
    if (response.status === 503) return unreachable();
  } catch {
    // not a GraphQL body: fall through to the gateway's own handling of the 400
  }
  return new Response(text, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/** Connection failures: nothing listens at the subgraph's address, or the connection broke before an answer. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

function isUnreachable(error: unknown): boolean {
  // undici's fetch rejects with TypeError('fetch failed') whose cause holds the socket error.
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  return typeof cause?.code === 'string' && UNREACHABLE_CODES.has(cause.code);
}

function unreachable(
  message = 'a part of the store is unreachable (a subgraph is down or restarting); retry shortly',
): Response {
  const body = JSON.stringify({
    errors: [
      {
        message,
        extensions: { code: 'SERVICE_UNAVAILABLE' },
      },
    ],
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
}

/** Whether `response` is a draining server's refusal (HttpServer: 503, type SHUTTING_DOWN); consumes it if so. */
async function refusedWhileDraining(response: Response): Promise<boolean> {
  if (response.status !== 503 || !response.headers.has('retry-after')) return false;
  const body = (await response
    .clone()
    .json()
    .catch(() => null)) as { type?: unknown } | null;
  // SHUTTING_DOWN since one error code spelling; ShuttingDown from an instance of an earlier release.
  if (body?.type !== 'SHUTTING_DOWN' && body?.type !== 'ShuttingDown') return false;
  await response.body?.cancel();
  return true;
}

/**
 * A subgraph over HTTP: forwards the request id and, with authentication on, the caller as an internal
 * token signed for the subgraph (the client's own credentials never leave the gateway); with tracing
 * on, each request in a client span whose W3C `traceparent` goes along. `timeoutMs`: subgraphFetch's.
 */
export function remoteDataSource(
  url: string,
  timeoutMs: number,
  internal?: InternalTokens,
  tracing?: { readonly tracer: Tracer; readonly name: string },
  circuit?: SubgraphCircuit,
): GraphQLDataSource<OperationContext> {
  const fetcher = (u: string, init?: RequestInit) => subgraphFetch(u, init, timeoutMs, circuit);
  return new RemoteGraphQLDataSource<OperationContext>({
    url,
    fetcher: tracing ? tracedFetch(fetcher, tracing.name, tracing.tracer) : fetcher,
    async willSendRequest({ request, context }) {
      if ('requestId' in context && typeof context.requestId === 'string')
        request.http?.headers.set('x-request-id', context.requestId);
      // The context is the gateway's for client operations; Apollo's own (health) fetches have none.
      const caller = (context as Partial<OperationContext>).caller;
      if (internal && caller)
        request.http?.headers.set('authorization', `Bearer ${await internal.sign(caller)}`);
    },
  });
}
