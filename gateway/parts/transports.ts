import type { Authenticator } from '../auth/authenticator.js';
import { authenticatedGraphQL } from '../auth/http-auth.js';
import { dashboardRoute } from '../dashboard/static-route.js';
import type { ReadinessCheck } from '../health.js';
import { health, ready } from '../health.js';
import { serveGraphQL } from '../http/apollo-handler.js';
import type { HttpServer, Route } from '../http/server.js';
import { exact } from '../http/server.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { restApi } from '../rest/index.js';
import { startSubscriptionServer } from '../subscriptions/graphql-ws-server.js';
import type { Events } from './events.js';
import type { GraphQLPart } from './graphql.js';

export interface Transports {
  /** What an operator should know about them at start. */
  readonly notes: readonly string[];
  /**
   * Begins the HTTP drain at once (listener closed, new requests 503, in-flight ones answered with
   * Connection: close) and closes graphql-ws connections with 1001 meanwhile (the upgrade listener
   * first, so a late upgrade request is answered 503 by the drain); resolves when no connection is left.
   */
  drain(timeoutMs: number): Promise<void>;
}

export interface TransportsInput {
  readonly http: HttpServer;
  readonly graphql: GraphQLPart;
  readonly authenticator: Authenticator;
  readonly events: Events;
  /** Routes served before every other (the object store's signed URLs, which carry their own proof). */
  readonly routes: readonly Route[];
  readonly checks: readonly ReadinessCheck[];
  /** What `/health` reports besides liveness (the cache tier's state); never consults a dependency. */
  readonly health?: () => Record<string, unknown>;
  readonly publicUrl: string;
  readonly log: Logger;
  readonly metrics: Metrics;
}

/**
 * The ways in: GraphQL over HTTP at /graphql, health, readiness and metrics; on the gateway also the
 * REST API, graphql-ws (same path as GraphQL) and the dashboard at /dashboard. Every GraphQL operation, whatever its transport, runs
 * through the one pipeline of the GraphQL server (operations/pipeline.ts).
 */
export function startTransports(input: TransportsInput): Transports {
  const { http, graphql, authenticator, metrics } = input;
  const { pipeline } = graphql.server;
  const routes: Route[] = [
    ...input.routes,
    {
      name: 'graphql',
      matches: exact('/graphql'),
      handle: authenticatedGraphQL(authenticator, (req, res, requestId, caller) =>
        serveGraphQL(graphql.server.http, req, res, { requestId, caller }),
      ),
    },
    { name: 'health', matches: exact('/health'), handle: (_req, res) => health(res, input.health?.()) },
    { name: 'ready', matches: exact('/ready'), handle: (_req, res) => ready(res, input.checks) },
    {
      name: 'metrics',
      matches: exact('/metrics'),
      handle: async (_req, res) => {
        res.setHeader('content-type', metrics.registry.contentType);
        res.end(await metrics.registry.metrics());
      },
    },
  ];
  // The dashboard is a gateway's (it talks to the federated API); the REST routes come last: their
  // patterns include `/`.
  if (graphql.gateway) routes.push(dashboardRoute(), restApi(pipeline, input.publicUrl, authenticator));
  const feed = input.events.feed;
  const subscriptions =
    graphql.gateway && feed
      ? startSubscriptionServer({
          server: http.server,
          path: '/graphql',
          pipeline,
          authenticator,
          feed,
          log: input.log.child({ component: 'subscriptions' }),
          metrics,
          upgradeRefusal: () => http.upgradeRefusal(),
        })
      : undefined;
  http.use(routes);
  return {
    notes:
      graphql.gateway && !feed
        ? [
            'subscriptions are off: the gateway role follows the event outbox in PostgreSQL; set TAMS_DATABASE_URL',
          ]
        : [],
    async drain(timeoutMs) {
      const drained = http.close(timeoutMs);
      await subscriptions
        ?.close()
        .catch((err: unknown) => input.log.error({ err }, 'closing the graphql-ws connections failed'));
      await drained;
    },
  };
}
