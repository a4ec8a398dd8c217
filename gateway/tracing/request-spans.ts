import type { IncomingMessage } from 'node:http';
import type { Span, Tracer } from '@opentelemetry/api';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';

/** Routes probed every few seconds by orchestrators and scrapers: a trace each would bury the rest. */
const UNTRACED_ROUTES: ReadonlySet<string> = new Set(['health', 'ready', 'metrics']);

/** One request's server span: what runs `within` it is its child; `end` records the answer. */
export interface RequestSpan {
  within<R>(fn: () => R): R;
  end(status: number, failure: unknown): void;
}

/**
 * The server span of each HTTP request (HttpServer): named by method and route template (the REST
 * 7.0 path, never the path with its ids), child of the caller's span when the request carries a W3C
 * `traceparent` (a client's, or the gateway's on a subgraph call in distributed mode). The query string
 * is never recorded: it may carry credentials.
 */
export class RequestSpans {
  constructor(private readonly tracer: Tracer) {}

  /** `route`: the route's name; `template`: its path template, when it has one. */
  begin(
    req: IncomingMessage,
    path: string,
    route: string | undefined,
    template: string | undefined,
    requestId: string,
  ): RequestSpan | undefined {
    if (route !== undefined && UNTRACED_ROUTES.has(route)) return undefined;
    const method = req.method ?? 'GET';
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = this.tracer.startSpan(
      `${method} ${template ?? route ?? 'unmatched'}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: method,
          [ATTR_URL_PATH]: path,
          ...(template?.startsWith('/') ? { [ATTR_HTTP_ROUTE]: template } : {}),
          'tams.route': route ?? 'none',
          'tams.request_id': requestId,
        },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);
    return {
      within: (fn) => context.with(active, fn),
      end: (status, failure) => endRequestSpan(span, status, failure),
    };
  }
}

function endRequestSpan(span: Span, status: number, failure: unknown): void {
  span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
  // Server spans are failures on 5xx only: a 4xx is the client's mistake, answered as designed.
  if (status >= 500) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${status}` });
    if (failure instanceof Error) span.recordException(failure);
  }
  span.end();
}
