import type { AddressInfo } from 'node:net';
import type { ApolloServer, BaseContext } from '@apollo/server';
import type { ExecutionResult } from 'graphql';
import type { Config, Role } from '../lib/config/config.js';
import { ConfigError, isLoopback } from '../lib/config/config.js';
import { OutboxFeed as OutboxTail } from '../lib/events/outbox-feed.js';
import type { Executor } from '../lib/executor/index.js';
import { openExecutor } from '../lib/executor/index.js';
import type { AnalyticsSubgraph } from '../subgraphs/analytics/index.js';
import { createAnalyticsSubgraph } from '../subgraphs/analytics/index.js';
import type { MediaSubgraph } from '../subgraphs/media/index.js';
import { createMediaSubgraph } from '../subgraphs/media/index.js';
import { loadSdl } from '../subgraphs/sdl.js';
import { ApiTokens } from './auth/api-tokens.js';
import type { AuthMode } from './auth/authenticator.js';
import { Authenticator } from './auth/authenticator.js';
import type { Caller } from './auth/caller.js';
import { authenticatedGraphQL } from './auth/http-auth.js';
import { InternalTokens } from './auth/internal-token.js';
import { JwtVerifier } from './auth/jwt-verifier.js';
import { Principals } from './auth/principals.js';
import type { GatewayContext } from './graphql-servers.js';
import { createGatewayServer, createSubgraphServer, remoteDataSource } from './graphql-servers.js';
import type { ReadinessCheck } from './health.js';
import { health, ready } from './health.js';
import { serveGraphQL } from './http/apollo-handler.js';
import { HttpError } from './http/errors.js';
import type { Route } from './http/server.js';
import { exact, HttpServer, under } from './http/server.js';
import { fragmentPrecheck, MAX_GRAPHQL_TOKENS } from './limits/index.js';
import { CachingLocalDataSource } from './local-data-source.js';
import type { Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { openObjectStorage } from './object-storage.js';
import { restApi } from './rest/index.js';
import { startSubscriptionServer } from './subscriptions/graphql-ws-server.js';

/** A started process of one role: where it listens, and how to stop it gracefully. */
export interface RunningService {
  readonly role: Role;
  /** Where this process listens (with the port it got). */
  readonly url: string;
  readonly graphqlUrl: string;
  /** What an operator should know after start (e.g. how to get a first token), for the CLI to print. */
  readonly notes: readonly string[];
  close(): Promise<void>;
}

/** The caller the gateway's readiness probe presents to a subgraph. */
const PROBE_CALLER: Caller = { principal: 'tams-gateway', scopes: new Set(['read']), scheme: 'internal' };

function urlOf(address: AddressInfo): string {
  const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

/**
 * Starts one role: `embedded` (everything in one process: both subgraphs in process behind the gateway,
 * the object store endpoint, the deletion worker), or one role of distributed mode (`gateway` over HTTP
 * subgraphs, `media`, `analytics`). The same code, chosen by configuration.
 */
export async function startService(
  config: Config,
  role: Role,
  options: { log: Logger; version: string },
): Promise<RunningService> {
  const { log, version } = options;
  // Also checked when the configuration is loaded; repeated here because this is where the port opens.
  if (!config.auth.enabled && !isLoopback(config.http.host))
    throw new ConfigError([
      `TAMS_AUTH: refusing to serve without authentication on ${config.http.host}; listen on 127.0.0.1 or turn authentication on`,
    ]);
  const metrics = new Metrics(role);
  const http = new HttpServer(log, metrics);
  const address = await http.listen(config.http.host, config.http.port);
  const url = urlOf(address);
  const publicUrl =
    config.http.port === 0 ? config.http.publicUrl.replace(/:0$/, `:${address.port}`) : config.http.publicUrl;
  /** Stopped after the HTTP drain, last pushed first: so the database closes last. */
  const closers: (() => Promise<void>)[] = [];
  /** Closed while the HTTP server drains: long-lived WebSockets, told 1001 instead of being cut. */
  const closeDuringDrain: (() => Promise<void>)[] = [];
  const step = (close: () => Promise<void>) =>
    close().catch((err: unknown) => log.error({ err }, 'shutdown step failed'));
  const shutdown = async () => {
    for (const close of closers.reverse()) await step(close);
  };
  /**
   * The order (docs/architecture.md, "Shutdown"): the HTTP drain begins at once (listener closed, new
   * requests 503, in-flight ones answered with Connection: close) and graphql-ws connections are closed
   * with 1001 meanwhile. Once no connection is left: Apollo stops (nothing is in flight any more), then
   * the media subgraph's background work (webhook dispatcher, deletion worker: they keep running during
   * the drain, for the writes still being answered), then the outbox tail, then the database.
   */
  const stop = async (timeoutMs: number) => {
    const drained = http.close(timeoutMs);
    await Promise.all(closeDuringDrain.map(step));
    await drained;
    await shutdown();
  };
  try {
    const routes: Route[] = [];
    const checks: ReadinessCheck[] = [];
    const notes: string[] = [];
    let executor: Executor | undefined;
    // The gateway role reads the shared database only for API tokens and principals, and to follow the
    // event outbox for subscriptions.
    if (role !== 'gateway' || config.auth.enabled || config.database.kind === 'postgres') {
      const opened = await openExecutor(config.database);
      executor = opened;
      closers.push(() => opened.close());
      checks.push({ name: 'database', check: async () => void (await opened.schemaVersion()) });
    }
    // The event bus of this process for subscriptions (gateway roles): created before the media
    // subgraph so that, in one process, a commit wakes it at once instead of at its next poll.
    const tail =
      executor && (role === 'embedded' || role === 'gateway')
        ? new OutboxTail(executor, { log: log.child({ component: 'subscriptions' }) })
        : undefined;
    if (tail) closers.push(() => tail.close());
    let media: MediaSubgraph | undefined;
    if (role === 'embedded' || role === 'media') {
      const objects = await openObjectStorage(config.objects, publicUrl, log.child({ component: 'objects' }));
      const opened = await createMediaSubgraph({
        executor: executor!,
        storage: [objects.spec],
        log: log.child({ component: 'media' }),
        version,
        runWorker: true,
        limits: { syncDeleteSegments: config.syncDeleteLimit },
        allowPrivateWebhookTargets: config.webhookAllowPrivate,
        ...(tail ? { afterWrite: () => tail.wake() } : {}),
      });
      media = opened;
      closers.push(() => opened.close());
      const fs = objects.filesystem;
      if (fs)
        routes.push({
          name: 'object-store',
          matches: under(fs.mountPath),
          handle: async (req, res) => {
            if (!(await fs.handler(req, res))) throw new HttpError(404, 'NotFound', 'no such object path');
          },
        });
    }
    const analytics: AnalyticsSubgraph | undefined =
      role === 'embedded' || role === 'analytics' ? createAnalyticsSubgraph(executor!) : undefined;

    const internal = config.auth.internalSecret ? new InternalTokens(config.auth.internalSecret) : undefined;
    let authMode: AuthMode;
    if (!config.auth.enabled) {
      authMode = { kind: 'off' };
      notes.push('authentication is OFF (TAMS_AUTH=off): anyone who can reach this address can do anything');
    } else if (role === 'media' || role === 'analytics') authMode = { kind: 'internal', internal: internal! };
    else {
      const jwt = new JwtVerifier(config.auth.jwt);
      const principals = new Principals(executor!);
      authMode = { kind: 'edge', jwt, tokens: new ApiTokens(executor!), principals };
      if (!jwt.enabled && (await principals.count()) === 0)
        notes.push(
          'no principals or API tokens exist yet, so nobody can call this store. Create an admin token with\n' +
            '    npx tams token create --scopes read,write,delete,admin --user admin\n' +
            '  (with the same TAMS_DATA_DIR or TAMS_DATABASE_URL as the server) and send it as\n' +
            '    Authorization: Bearer <token>',
        );
    }
    const authenticator = new Authenticator(authMode);

    const serverOptions = { log, metrics, introspection: config.graphql.introspection };
    let graphqlRoute: Route['handle'];
    let rest: Route | undefined;
    if (role === 'embedded' || role === 'gateway') {
      const supergraph = loadSdl('supergraph').text;
      const subgraphUrls: Record<string, string | undefined> = {
        media: config.subgraphs.mediaUrl,
        analytics: config.subgraphs.analyticsUrl,
      };
      const gatewayServer = await createGatewayServer(
        supergraph,
        ({ name }) => {
          if (role === 'gateway') return remoteDataSource(subgraphUrls[name]!, internal);
          if (name === 'media')
            return new CachingLocalDataSource<GatewayContext>(media!.schema, (c) =>
              media!.createContext(c.caller.principal),
            );
          return new CachingLocalDataSource<GatewayContext>(analytics!.schema, () =>
            analytics!.createContext(),
          );
        },
        serverOptions,
      );
      const server = gatewayServer.server;
      closers.push(() => server.stop());
      graphqlRoute = authenticatedGraphQL(authenticator, (req, res, requestId, caller) =>
        serveGraphQL(server, req, res, { requestId, caller }, { precheck: clientDocumentPrecheck }),
      );
      rest = restApi(server, publicUrl, authenticator);
      if (tail) {
        const subscriptions = startSubscriptionServer({
          server: http.server,
          path: '/graphql',
          schema: () => gatewayServer.apiSchema(),
          run: async (request, caller, requestId) => {
            const response = await server.executeOperation(
              {
                query: request.query,
                ...(request.variables ? { variables: request.variables } : {}),
                ...(request.operationName ? { operationName: request.operationName } : {}),
              },
              { contextValue: { requestId, caller } },
            );
            if (response.body.kind !== 'single')
              throw new Error('incremental delivery is not served over graphql-ws');
            return response.body.singleResult as ExecutionResult;
          },
          authenticator,
          tail,
          log: log.child({ component: 'subscriptions' }),
          metrics,
        });
        closeDuringDrain.push(() => subscriptions.close());
      } else
        notes.push(
          'subscriptions are off: the gateway role follows the event outbox in PostgreSQL; set TAMS_DATABASE_URL',
        );
      if (role === 'gateway')
        for (const [name, subgraphUrl] of Object.entries(subgraphUrls))
          checks.push({ name: `subgraph ${name}`, check: () => probeSubgraph(subgraphUrl!, internal) });
    } else {
      const subgraph = role === 'media' ? media! : analytics!;
      const server: ApolloServer<BaseContext & { caller: Caller; requestId: string }> =
        await createSubgraphServer(subgraph.schema, serverOptions);
      closers.push(() => server.stop());
      graphqlRoute = authenticatedGraphQL(authenticator, (req, res, requestId, caller) =>
        serveGraphQL(server, req, res, {
          ...(role === 'media' ? media!.createContext(caller.principal) : analytics!.createContext()),
          caller,
          requestId,
        }),
      );
    }
    routes.push(
      { name: 'graphql', matches: exact('/graphql'), handle: graphqlRoute },
      { name: 'health', matches: exact('/health'), handle: (_req, res) => health(res) },
      { name: 'ready', matches: exact('/ready'), handle: (_req, res) => ready(res, checks) },
      {
        name: 'metrics',
        matches: exact('/metrics'),
        handle: async (_req, res) => {
          res.setHeader('content-type', metrics.registry.contentType);
          res.end(await metrics.registry.metrics());
        },
      },
    );
    // The REST routes come last: their patterns include `/`.
    if (rest) routes.push(rest);
    http.use(routes);
    let stopped: Promise<void> | undefined;
    return {
      role,
      url,
      graphqlUrl: `${url}/graphql`,
      notes,
      close() {
        stopped ??= stop(config.shutdownTimeoutMs);
        return stopped;
      },
    };
  } catch (error) {
    await stop(0);
    throw error;
  }
}

/** What the gateway checks in a client's query text before Apollo parses and validates it. */
const clientDocumentPrecheck = (query: unknown) => fragmentPrecheck(query, MAX_GRAPHQL_TOKENS);

/** A subgraph is reachable (and accepts the gateway's internal token) when it answers a trivial query. */
async function probeSubgraph(url: string, internal?: InternalTokens): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(internal ? { authorization: `Bearer ${await internal.sign(PROBE_CALLER)}` } : {}),
    },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
}
