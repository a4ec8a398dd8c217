import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
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

  /** Apollo plugin recording every operation's duration, and its errors by code. */
  plugin<T extends BaseContext>(): ApolloServerPlugin<T> {
    const { graphqlDuration, graphqlErrors } = this;
    return {
      requestDidStart() {
        const end = graphqlDuration.startTimer();
        return Promise.resolve({
          willSendResponse(ctx) {
            const errors =
              ctx.errors ??
              (ctx.response.body.kind === 'single' ? ctx.response.body.singleResult.errors : undefined);
            for (const e of errors ?? []) {
              const code = e.extensions?.code;
              graphqlErrors.inc({ code: typeof code === 'string' ? code : 'UNKNOWN' });
            }
            end({
              operation: ctx.operation?.operation ?? 'unknown',
              outcome: errors?.length ? 'error' : 'ok',
            });
            return Promise.resolve();
          },
        });
      },
    };
  }
}
