import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics of one process (`/metrics`): Node's defaults, HTTP requests by route class, and
 * GraphQL operations by type and outcome. Labels are fixed small sets, never request data.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly graphqlDuration: Histogram<'operation' | 'outcome'>;
  readonly graphqlErrors: Counter<'code'>;
  readonly subscriptions: Gauge;

  constructor(role: string) {
    this.registry.setDefaultLabels({ role });
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'tams_http_request_duration_seconds',
      help: 'HTTP requests by method, route class and status',
      labelNames: ['method', 'route', 'status'],
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
