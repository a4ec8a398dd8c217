import type { AddressInfo } from 'node:net';
import type { Config, Role } from '../lib/config/config.js';
import type { CoherentCache } from '../lib/cache/index.js';
import { ConfigError, isLoopback } from '../lib/config/config.js';
import type { OutboxEvent } from '../lib/executor/index.js';
import { eventDependencies } from '../subgraphs/media/domain/cache-dependencies.js';
import { HttpServer } from './http/server.js';
import type { Logger } from './logger.js';
import { QueryMonitor } from '../lib/executor/index.js';
import { Metrics } from './metrics.js';
import { registerStoreState } from './store-state-metrics.js';
import { authenticationFor } from './parts/authentication.js';
import { startCache } from './parts/cache.js';
import { openDatabase } from './parts/database.js';
import { startEvents } from './parts/events.js';
import { startGraphQL } from './parts/graphql.js';
import { exportRoutes } from './parts/exports.js';
import { openObjectStoragePart } from './parts/object-storage.js';
import { Parts } from './parts/part.js';
import { startSubgraphs } from './parts/subgraphs.js';
import type { Transports } from './parts/transports.js';
import { startTransports } from './parts/transports.js';
import { backgroundWorkers } from './parts/workers.js';
import { RequestSpans } from './tracing/request-spans.js';
import { traceStatements } from './tracing/statement-spans.js';
import { activeTracer } from './tracing/active-tracer.js';

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

/**
 * Starts one role: `embedded` (everything in one process: both subgraphs in process behind the gateway,
 * the object store endpoint, the background workers), or one role of distributed mode (`gateway` over
 * HTTP subgraphs, `media`, `analytics`). The same parts, chosen by configuration, started in this order:
 * configuration → database → cache → events → object storage → subgraphs → GraphQL server (gateway) →
 * transports → background workers. The port opens first (the URLs handed out need it); routes are bound
 * once the transports start, and requests before that are answered 503.
 *
 * Shutdown, the order written once (docs/architecture.md, "Shutdown"): the transports drain first (the
 * HTTP drain begins at once and graphql-ws connections are closed with 1001 meanwhile); once no
 * connection is left, the other parts stop in reverse start order: background workers, GraphQL server,
 * subgraphs, object storage, events, the cache (after every write's invalidation), and the database last, when nothing uses it.
 */
export async function startService(
  config: Config,
  role: Role,
  options: { log: Logger; version: string },
): Promise<RunningService> {
  const { log, version } = options;
  refuseUnauthenticatedExposure(config);
  const metrics = new Metrics(role);
  // Off unless configured (OTEL_EXPORTER_OTLP_*): then nothing below is wrapped. A process hosting
  // several services (tests) may install tracing itself before starting them.
  // The SDK's exporters load only when tracing is configured (idle RSS, issue 15 §3).
  const tracing = config.tracing
    ? (await import('./tracing/from-config.js')).startTracing(config.tracing, role, version)
    : undefined;
  const tracer = activeTracer();
  const http = new HttpServer(log, metrics, {}, config.admission, tracer && new RequestSpans(tracer));
  const address = await http.listen(config.http.host, config.http.port).catch(async (error: unknown) => {
    await tracing?.shutdown();
    throw error;
  });
  const url = urlOf(address);
  const publicUrl = publicUrlOf(config, address);
  const parts = new Parts(log);
  let transports: Transports | undefined;
  const stop = async (timeoutMs: number) => {
    await (transports ? transports.drain(timeoutMs) : http.close(timeoutMs));
    await parts.stopAll();
    // Last: the spans of the requests answered during the drain are exported too.
    await tracing?.shutdown();
  };
  try {
    // Every statement is timed into tams_db_query_seconds (and kept for the slowest-queries report).
    const queries = new QueryMonitor();
    metrics.watchQueries(queries);
    if (tracer) traceStatements(queries, tracer);
    const database = parts.add(await openDatabase(config, role, queries));
    metrics.watchReadEndpoints(() => database.readEndpoints());
    const cache = parts.add(startCache(config, role, log, metrics, database.changeVersion));
    const events = parts.add(
      startEvents(database.executor, role, log, {
        redisUrl: config.redisUrl,
        pollMs: config.outboxPollMs,
        metrics,
        ...(cache.coherent ? { beforePublish: invalidateFor(cache.coherent) } : {}),
      }),
    );
    // Outbox, webhook, deletion and disk gauges, read when /metrics is scraped (docs/operations.md).
    registerStoreState(metrics.registry, {
      executor: database.executor,
      storeWide: role === 'embedded' || role === 'media',
      feed: events.feed,
      disk:
        config.database.kind === 'sqlite'
          ? { dataDir: config.dataDir, databaseFile: config.database.path }
          : undefined,
      onError: (err: unknown) => log.warn({ err }, 'metrics: reading the store state failed'),
    });
    const objects = parts.add(await openObjectStoragePart(config, role, publicUrl, log, database.executor));
    const subgraphs = parts.add(
      await startSubgraphs({
        config,
        role,
        version,
        log,
        executor: database.executor,
        storage: objects.storage,
        events,
        cache: cache.coherent,
        queries,
      }),
    );
    const auth = await authenticationFor(config, role, database.executor, cache.coherent);
    const graphql = parts.add(
      await startGraphQL({ config, role, subgraphs, auth, cache, log, metrics, tracer }),
    );
    transports = startTransports({
      http,
      graphql,
      authenticator: auth.authenticator,
      events,
      routes: [...objects.routes, exportRoutes({ config, role, subgraphs, auth, log })],
      checks: [...database.checks, ...graphql.checks],
      health: () => {
        const endpoints = database.readEndpoints();
        return {
          cache: cache.health(),
          ...(endpoints.length
            ? {
                readEndpoints: endpoints.map((e) => ({
                  name: e.name,
                  up: e.up,
                  reason: e.reason,
                  lagSeconds: e.lagSeconds,
                  inFlight: e.inFlight,
                })),
              }
            : {}),
        };
      },
      publicUrl,
      log,
      metrics,
    });
    parts.add(backgroundWorkers(subgraphs.media));
    let stopped: Promise<void> | undefined;
    return {
      role,
      url,
      graphqlUrl: `${url}/graphql`,
      notes: [...auth.notes, ...transports.notes],
      close: () => (stopped ??= stop(config.shutdownTimeoutMs)),
    };
  } catch (error) {
    await stop(0);
    throw error;
  }
}

/** The bus follower's backstop: what each published event names is invalidated before it is published. */
function invalidateFor(cache: CoherentCache): (events: readonly OutboxEvent[]) => Promise<void> {
  return (events) => cache.invalidate(eventDependencies(events));
}

/** Also checked when the configuration is loaded; repeated here because this is where the port opens. */
function refuseUnauthenticatedExposure(config: Config): void {
  if (!config.auth.enabled && !isLoopback(config.http.host))
    throw new ConfigError([
      `TAMS_AUTH: refusing to serve without authentication on ${config.http.host}; listen on 127.0.0.1 or turn authentication on`,
    ]);
}

/** The origin clients use (Link, Location, object URLs), with the port the process got if it asked for 0. */
function publicUrlOf(config: Config, address: AddressInfo): string {
  const { port, publicUrl } = config.http;
  return port === 0 ? publicUrl.replace(/:0$/, `:${address.port}`) : publicUrl;
}

function urlOf(address: AddressInfo): string {
  const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}
