import type { GraphQLDataSource } from '@apollo/gateway';
import type { TextMapSetter, Tracer } from '@opentelemetry/api';
import { context, propagation, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from '@opentelemetry/semantic-conventions';
import type { DirectRoute } from '../operations/index.js';
import { traced } from './operation-spans.js';

/**
 * Spans of the subgraphs as the gateway reaches them. In process (embedded mode), `subgraph <name>`
 * covers the subgraph's execution of one fetch, whether the gateway's plan made it (a data source) or a
 * direct route; over HTTP (distributed mode) a client span covers the request, whose `traceparent`
 * makes the subgraph server's spans children of it.
 */

/** The in-process subgraph `name` behind `source`, its every fetch in a span. */
export function tracedDataSource(source: GraphQLDataSource, name: string, tracer: Tracer): GraphQLDataSource {
  return {
    process: (options) =>
      tracer.startActiveSpan(
        `subgraph ${name}`,
        { attributes: subgraphAttributes(name, options.request.operationName) },
        (span) => traced(span, () => source.process(options)),
      ),
  };
}

/** A direct route to the in-process subgraph `name`, its every run in a span. */
export function tracedDirectRoute(route: DirectRoute, name: string, tracer: Tracer): DirectRoute {
  return (prepared, variables, operationContext) =>
    tracer.startActiveSpan(
      `subgraph ${name}`,
      { attributes: { ...subgraphAttributes(name, prepared.operationName), 'tams.direct_route': true } },
      (span) => traced(span, () => route(prepared, variables, operationContext)),
    );
}

function subgraphAttributes(name: string, operationName: string | undefined) {
  return { 'tams.subgraph': name, ...(operationName ? { 'graphql.operation.name': operationName } : {}) };
}

const HEADER_SETTER: TextMapSetter<Headers> = { set: (headers, key, value) => headers.set(key, value) };

type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

/** `fetch` to the subgraph `name` over HTTP in a client span, with the span's `traceparent` sent along. */
export function tracedFetch(fetch: Fetch, name: string, tracer: Tracer): Fetch {
  return (url, init) => {
    const target = new URL(url);
    const method = init?.method ?? 'GET';
    return tracer.startActiveSpan(
      `${method} subgraph ${name}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: method,
          [ATTR_SERVER_ADDRESS]: target.hostname,
          [ATTR_SERVER_PORT]: Number(target.port || (target.protocol === 'https:' ? 443 : 80)),
          'tams.subgraph': name,
        },
      },
      async (span) => {
        const headers = new Headers(init?.headers);
        propagation.inject(context.active(), headers, HEADER_SETTER);
        try {
          const response = await fetch(url, { ...init, headers });
          span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.status);
          if (response.status >= 400)
            span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${response.status}` });
          return response;
        } catch (error) {
          span.recordException(error instanceof Error ? error : String(error));
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  };
}
