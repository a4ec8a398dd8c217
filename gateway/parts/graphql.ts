import type { Tracer } from '@opentelemetry/api';
import type { Config, Role } from '../../lib/config/config.js';
import { loadSdl } from '../../subgraphs/sdl.js';
import type { Caller } from '../auth/caller.js';
import type { InternalTokens } from '../auth/internal-token.js';
import type { GraphQLServer } from '../graphql-servers.js';
import { remoteDataSource, startGateway, startSubgraphServer } from '../graphql-servers.js';
import type { ReadinessCheck } from '../health.js';
import { CachingLocalDataSource } from '../local-data-source.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { DirectRoutes, persistedQueryStore } from '../operations/index.js';
import { tracedDataSource, tracedDirectRoute } from '../tracing/subgraph-spans.js';
import type { Authentication } from './authentication.js';
import type { CachePart } from './cache.js';
import type { Part } from './part.js';
import type { Subgraphs } from './subgraphs.js';
import { SubgraphCircuit } from '../subgraph-circuit.js';

export interface GraphQLPart extends Part {
  readonly server: GraphQLServer;
  /** Whether this is the gateway (REST and graphql-ws are served in front of it) or a lone subgraph. */
  readonly gateway: boolean;
  readonly checks: readonly ReadinessCheck[];
}

export interface GraphQLInput {
  readonly config: Config;
  readonly role: Role;
  readonly subgraphs: Subgraphs;
  readonly auth: Authentication;
  readonly cache: CachePart;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** With tracing on: spans of operations and subgraph fetches (gateway/tracing). */
  readonly tracer?: Tracer;
}

/** The caller the gateway's readiness probe presents to a subgraph. */
const PROBE_CALLER: Caller = { principal: 'tams-gateway', scopes: new Set(['read']), scheme: 'internal' };

/**
 * The GraphQL server of this role, behind its operation pipeline: the gateway over the subgraphs in
 * process (embedded: with direct routes for the server's own single-subgraph documents) or over HTTP
 * (gateway, whose readiness probes them), or one subgraph served alone (media, analytics).
 */
export async function startGraphQL(input: GraphQLInput): Promise<GraphQLPart> {
  const { config, role, subgraphs, auth, log, metrics, tracer } = input;
  const persistedQueries = persistedQueryStore(input.cache.documents);
  if (role === 'media' || role === 'analytics') {
    const subgraph = subgraphs.local.get(role)!;
    const server = await startSubgraphServer(subgraph.schema, (c) => subgraph.context(c), {
      log,
      metrics,
      name: role,
      ...(tracer ? { tracer } : {}),
    });
    return { name: 'graphql', server, gateway: false, checks: [], stop: () => server.stop() };
  }
  const urls: Record<string, string | undefined> = {
    media: config.subgraphs.mediaUrl,
    analytics: config.subgraphs.analyticsUrl,
  };
  const remote = role === 'gateway';
  // One circuit per subgraph: a hung part is answered at once while it is probed (decision 59).
  const circuits = new Map<string, SubgraphCircuit>();
  const circuitOf = (name: string) => {
    let circuit = circuits.get(name);
    if (!circuit) {
      circuit = new SubgraphCircuit({
        name,
        probe: (timeoutMs) => probeSubgraph(urls[name]!, timeoutMs, auth.internal),
        onChange(open) {
          metrics.subgraphCircuitOpen.set({ subgraph: name }, open ? 1 : 0);
          if (open)
            log.warn(
              { subgraph: name, timeoutMs: config.subgraphs.timeoutMs },
              'subgraph answered nothing within the fetch deadline: requests that need it are answered 503 at once while it is probed',
            );
          else log.info({ subgraph: name }, 'subgraph answers again: requests go to it again');
        },
      });
      circuits.set(name, circuit);
    }
    return circuit;
  };
  const server = await startGateway(
    loadSdl('supergraph').text,
    ({ name }) => {
      if (remote)
        return remoteDataSource(
          urls[name]!,
          config.subgraphs.timeoutMs,
          auth.internal,
          tracer && { tracer, name },
          circuitOf(name),
        );
      const local = new CachingLocalDataSource(subgraphs.local.get(name)!);
      return tracer ? tracedDataSource(local, name, tracer) : local;
    },
    {
      log,
      metrics,
      persistedQueries,
      introspection: config.graphql.introspection,
      ...(tracer ? { tracer } : {}),
      ...(remote
        ? {}
        : {
            direct: new DirectRoutes(
              subgraphs.local,
              tracer && ((route, name) => tracedDirectRoute(route, name, tracer)),
            ),
          }),
    },
  );
  const checks: ReadinessCheck[] = remote
    ? Object.entries(urls).map(([name, url]) => ({
        name: `subgraph ${name}`,
        check: (timeoutMs) => probeSubgraph(url!, timeoutMs, auth.internal),
      }))
    : [];
  return {
    name: 'graphql',
    server,
    gateway: true,
    checks,
    async stop() {
      for (const circuit of circuits.values()) circuit.stop();
      await server.stop();
    },
  };
}

/**
 * A subgraph is reachable (and accepts the gateway's internal token) when it answers a trivial query
 * within the probe's time; past it the request is aborted (a stopped process would keep it open).
 */
async function probeSubgraph(url: string, timeoutMs: number, internal?: InternalTokens): Promise<void> {
  const response = await fetch(url, {
    signal: AbortSignal.timeout(timeoutMs),
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(internal ? { authorization: `Bearer ${await internal.sign(PROBE_CALLER)}` } : {}),
    },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
}
