import type { AddressInfo } from 'node:net';
import type { ApolloServer, BaseContext } from '@apollo/server';
import type { Config, Role } from '../lib/config/config.js';
import type { Executor } from '../lib/executor/index.js';
import { openExecutor } from '../lib/executor/index.js';
import type { AnalyticsSubgraph } from '../subgraphs/analytics/index.js';
import { createAnalyticsSubgraph } from '../subgraphs/analytics/index.js';
import type { MediaSubgraph } from '../subgraphs/media/index.js';
import { createMediaSubgraph } from '../subgraphs/media/index.js';
import { loadSdl } from '../subgraphs/sdl.js';
import type { GatewayContext } from './graphql-servers.js';
import { createGatewayServer, createSubgraphServer, remoteDataSource } from './graphql-servers.js';
import type { ReadinessCheck } from './health.js';
import { health, ready } from './health.js';
import { apolloHandler } from './http/apollo-handler.js';
import { HttpError } from './http/errors.js';
import type { Route } from './http/server.js';
import { exact, HttpServer, under } from './http/server.js';
import { MAX_GRAPHQL_BODY_BYTES } from './limits/index.js';
import { CachingLocalDataSource } from './local-data-source.js';
import type { Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { openObjectStorage } from './object-storage.js';
import { restApi } from './rest/index.js';

/** A started process of one role: where it listens, and how to stop it gracefully. */
export interface RunningService {
  readonly role: Role;
  /** Where this process listens (with the port it got). */
  readonly url: string;
  readonly graphqlUrl: string;
  close(): Promise<void>;
}

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
  const metrics = new Metrics(role);
  const http = new HttpServer(log, metrics);
  const address = await http.listen(config.http.host, config.http.port);
  const url = urlOf(address);
  const publicUrl =
    config.http.port === 0 ? config.http.publicUrl.replace(/:0$/, `:${address.port}`) : config.http.publicUrl;
  const closers: (() => Promise<void>)[] = [];
  const shutdown = async () => {
    for (const close of closers.reverse())
      await close().catch((err: unknown) => log.error({ err }, 'shutdown step failed'));
  };
  try {
    const routes: Route[] = [];
    const checks: ReadinessCheck[] = [];
    let executor: Executor | undefined;
    if (role !== 'gateway') {
      const opened = await openExecutor(config.database);
      executor = opened;
      closers.push(() => opened.close());
      checks.push({ name: 'database', check: async () => void (await opened.schemaVersion()) });
    }
    let media: MediaSubgraph | undefined;
    if (role === 'embedded' || role === 'media') {
      const objects = await openObjectStorage(config.objects, publicUrl);
      const opened = await createMediaSubgraph({
        executor: executor!,
        storage: [objects.spec],
        log: log.child({ component: 'media' }),
        version,
        runWorker: true,
        limits: { syncDeleteSegments: config.syncDeleteLimit },
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

    const serverOptions = { log, metrics, introspection: config.graphql.introspection };
    let graphqlRoute: Route['handle'];
    let rest: Route | undefined;
    if (role === 'embedded' || role === 'gateway') {
      const supergraph = loadSdl('supergraph').text;
      const subgraphUrls: Record<string, string | undefined> = {
        media: config.subgraphs.mediaUrl,
        analytics: config.subgraphs.analyticsUrl,
      };
      const server = await createGatewayServer(
        supergraph,
        ({ name }) => {
          if (role === 'gateway') return remoteDataSource(subgraphUrls[name]!);
          if (name === 'media')
            return new CachingLocalDataSource<GatewayContext>(media!.schema, (c) =>
              media!.createContext(c.principal),
            );
          return new CachingLocalDataSource<GatewayContext>(analytics!.schema, () =>
            analytics!.createContext(),
          );
        },
        serverOptions,
      );
      closers.push(() => server.stop());
      graphqlRoute = apolloHandler(
        server,
        (_req, requestId) => () => Promise.resolve({ requestId, principal: null }),
        MAX_GRAPHQL_BODY_BYTES,
      );
      rest = restApi(server, publicUrl);
      if (role === 'gateway')
        for (const [name, subgraphUrl] of Object.entries(subgraphUrls))
          checks.push({ name: `subgraph ${name}`, check: () => probeSubgraph(subgraphUrl!) });
    } else {
      const subgraph = role === 'media' ? media! : analytics!;
      const server: ApolloServer<BaseContext> = await createSubgraphServer(subgraph.schema, serverOptions);
      closers.push(() => server.stop());
      graphqlRoute = apolloHandler(
        server,
        () => () =>
          Promise.resolve(role === 'media' ? media!.createContext(null) : analytics!.createContext()),
        MAX_GRAPHQL_BODY_BYTES,
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
    return {
      role,
      url,
      graphqlUrl: `${url}/graphql`,
      async close() {
        await http.close(config.shutdownTimeoutMs);
        await shutdown();
      },
    };
  } catch (error) {
    await http.close(0);
    await shutdown();
    throw error;
  }
}

/** A subgraph is reachable when it answers a trivial query. */
async function probeSubgraph(url: string): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
}
