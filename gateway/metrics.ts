import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EndpointSnapshot, QueryMonitor } from '../lib/executor/index.js';

/**
 * Prometheus metrics of one process (`/metrics`): Node's defaults, HTTP requests by route class, and
 * GraphQL operations by type and outcome. Labels are fixed small sets, never request data.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'path' | 'status'>;
  readonly graphqlDuration: Histogram<'operation' | 'outcome'>;
  readonly graphqlErrors: Counter<'code'>;
  readonly subscriptions: Gauge;
  readonly cacheRequests: Counter<'cache' | 'result'>;
  readonly redisUp: Gauge;
  /** 1 where TAMS_REDIS_URL is set (and the cache on): what tells "Redis is down" from "no Redis here". */
  readonly redisConfigured: Gauge;
  /** The event bus (lib/events): events handed to subscriptions by source, lag, the follower lease. */
  readonly busEvents: Counter<'source'>;
  readonly busLag: Gauge<'stage'>;
  readonly busFollower: Gauge;
  readonly dbQueryDuration: Histogram<'kind' | 'table' | 'endpoint'>;
  /** Requests admission control refused (gateway/http/admission.ts), by reason. */
  readonly httpRejected: Counter<'reason'>;
  /** 1 while the gateway answers requests for a hung subgraph at once and probes it (gateway/subgraph-circuit.ts). */
  readonly subgraphCircuitOpen: Gauge<'subgraph'>;

  constructor(role: string) {
    this.registry.setDefaultLabels({ role });
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'tams_http_request_duration_seconds',
      help: 'HTTP requests by method, route class (rest, graphql, objects…), path template (REST: the 7.0 route) and status',
      labelNames: ['method', 'route', 'path', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.graphqlDuration = new Histogram({
      name: 'tams_graphql_operation_duration_seconds',
      help: 'GraphQL operations by type and outcome',
      labelNames: ['operation', 'outcome'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.graphqlErrors = new Counter({
      name: 'tams_graphql_errors_total',
      help: 'GraphQL errors returned, by code',
      labelNames: ['code'],
      registers: [this.registry],
    });
    this.subscriptions = new Gauge({
      name: 'tams_graphql_subscriptions_active',
      help: 'GraphQL subscriptions currently open over graphql-ws',
      registers: [this.registry],
    });
    this.cacheRequests = new Counter({
      name: 'tams_cache_requests_total',
      help: 'Cache lookups by cache space and result (hit, miss, bypass while Redis is away or not yet safe, error)',
      labelNames: ['cache', 'result'],
      registers: [this.registry],
    });
    this.redisUp = new Gauge({
      name: 'tams_redis_up',
      help: '1 while the shared Redis tier is reachable and the cache in use; 0 while it is away, not yet safe, or not configured',
      registers: [this.registry],
    });
    this.redisConfigured = new Gauge({
      name: 'tams_redis_configured',
      help: '1 where this process is configured to use the shared Redis tier (TAMS_REDIS_URL set, cache on), else 0',
      registers: [this.registry],
    });
    this.busEvents = new Counter({
      name: 'tams_bus_events_total',
      help: 'Events handed to this process’s event listeners (subscriptions), by where they were read: redis (the bus stream) or database (the outbox)',
      labelNames: ['source'],
      registers: [this.registry],
    });
    this.busLag = new Gauge({
      name: 'tams_bus_lag_seconds',
      help: 'Seconds from an event’s write to the last event published to the bus (stage publish, the follower) or handed to listeners (stage deliver)',
      labelNames: ['stage'],
      registers: [this.registry],
    });
    this.busFollower = new Gauge({
      name: 'tams_bus_follower',
      help: '1 while this process holds the redis-bus lease and publishes the outbox to the Redis stream',
      registers: [this.registry],
    });
    this.dbQueryDuration = new Histogram({
      name: 'tams_db_query_seconds',
      help: 'Database statements by kind (select, aggregate, insert, update, delete, other), table and server (primary, or a read endpoint)',
      labelNames: ['kind', 'table', 'endpoint'],
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.httpRejected = new Counter({
      name: 'tams_http_rejected_total',
      help: 'HTTP requests refused with 503 + Retry-After by admission control, by reason (in_flight, event_loop_lag)',
      labelNames: ['reason'],
      registers: [this.registry],
    });
    this.subgraphCircuitOpen = new Gauge({
      name: 'tams_subgraph_circuit_open',
      help: '1 while a subgraph that answered nothing within TAMS_SUBGRAPH_TIMEOUT_MS is answered 503 at once and probed, else 0',
      labelNames: ['subgraph'],
      registers: [this.registry],
    });
  }

  /** Admission control's state, read at scrape time: requests in flight and the smoothed event-loop lag. */
  watchAdmission(admission: { readonly inFlight: number; readonly eventLoopLagMs: number }): void {
    new Gauge({
      name: 'tams_http_in_flight',
      help: 'HTTP requests admitted and not yet answered (health, readiness and metrics not counted)',
      registers: [this.registry],
      collect() {
        this.set(admission.inFlight);
      },
    });
    new Gauge({
      name: 'tams_event_loop_lag_smoothed_seconds',
      help: 'The smoothed event-loop lag admission control compares with TAMS_MAX_EVENT_LOOP_LAG_MS (0 when off)',
      registers: [this.registry],
      collect() {
        this.set(admission.eventLoopLagMs / 1000);
      },
    });
  }

  /** Read endpoints (PostgreSQL standbys): state, lag, reads in flight and latency, read at scrape time. */
  watchReadEndpoints(snapshots: () => readonly EndpointSnapshot[]): void {
    const gauge = (name: string, help: string, value: (e: EndpointSnapshot) => number | null) =>
      new Gauge({
        name,
        help,
        labelNames: ['endpoint'],
        registers: [this.registry],
        collect() {
          this.reset();
          for (const e of snapshots()) {
            const v = value(e);
            if (v !== null) this.set({ endpoint: e.name }, v);
          }
        },
      });
    gauge(
      'tams_db_endpoint_up',
      '1 while the read endpoint takes reads; 0 while it is out (starting, failing, lagging)',
      (e) => (e.up ? 1 : 0),
    );
    gauge(
      'tams_db_endpoint_lag_seconds',
      'How far the read endpoint was behind the primary at its last probe',
      (e) => e.lagSeconds,
    );
    gauge('tams_db_endpoint_in_flight', 'Reads running on the read endpoint now', (e) => e.inFlight);
    gauge('tams_db_endpoint_latency_seconds', 'EWMA of the read endpoint’s read latency', (e) =>
      e.latencyMs === null ? null : e.latencyMs / 1000,
    );
    new Counter({
      name: 'tams_db_endpoint_reads_total',
      help: 'Reads sent to the read endpoint, by outcome (ok, or error: then retried on the primary)',
      labelNames: ['endpoint', 'outcome'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const e of snapshots()) {
          this.inc({ endpoint: e.name, outcome: 'ok' }, e.reads - e.errors);
          this.inc({ endpoint: e.name, outcome: 'error' }, e.errors);
        }
      },
    });
  }

  /** Observes every statement the executor reports to `monitor` (tables come from the catalog: few labels). */
  watchQueries(monitor: QueryMonitor): () => void {
    return monitor.onQuery((r) =>
      this.dbQueryDuration.observe({ kind: r.kind, table: r.table, endpoint: r.endpoint }, r.seconds),
    );
  }

  /**
   * Records one GraphQL operation: its type ('unknown' when it never resolved to one), its outcome and
   * the code of each error it answered with. The operation pipeline calls this for every transport.
   */
  recordOperation(
    operation: string,
    errors: readonly { readonly extensions?: { readonly code?: unknown } }[] | undefined,
    seconds: number,
  ): void {
    for (const e of errors ?? []) {
      const code = e.extensions?.code;
      this.graphqlErrors.inc({ code: typeof code === 'string' ? code : 'UNKNOWN' });
    }
    this.graphqlDuration.observe({ operation, outcome: errors?.length ? 'error' : 'ok' }, seconds);
  }
}
