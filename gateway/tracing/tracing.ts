import { context, propagation, trace } from '@opentelemetry/api';
import type { Attributes, Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { Resource } from '@opentelemetry/resources';
import type { Sampler, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { activeTracer, isActiveTracing, setActiveTracing } from './active-tracer.js';

/**
 * The process's tracing: one tracer provider, registered globally (so @apollo/gateway's own spans join
 * the same traces), with the AsyncLocalStorage context manager (parent links survive every await) and
 * the W3C trace-context propagator. Until it is installed nothing is traced: the instrumentation asks
 * `activeTracer()` (active-tracer.ts) when it is built and wraps nothing when there is none.
 */

export interface TracingOptions {
  readonly serviceName: string;
  readonly serviceVersion?: string;
  /** More resource attributes (OTEL_RESOURCE_ATTRIBUTES: deployment.environment, ...). */
  readonly attributes?: Attributes;
  /** Default: parent-based always-on (the OpenTelemetry default). */
  readonly sampler?: Sampler;
  readonly exporter: SpanExporter;
  /** Batch spans before exporting (a remote exporter); off: each span is exported as it ends (tests). */
  readonly batch: boolean;
}

/** Installed tracing: its tracer, and how to flush what is buffered and uninstall it. */
export interface Tracing {
  readonly tracer: Tracer;
  forceFlush(): Promise<void>;
  /** Exports what is buffered, then uninstalls (the global provider, context manager, propagator). */
  shutdown(): Promise<void>;
}

/** The name this store's own spans are recorded under (the instrumentation scope). */
export const TRACER_NAME = 'tams';

export function installTracing(options: TracingOptions): Tracing {
  if (activeTracer()) throw new Error('tracing is already installed in this process');
  const provider = new BasicTracerProvider({
    resource: new Resource({
      ...options.attributes,
      [ATTR_SERVICE_NAME]: options.serviceName,
      ...(options.serviceVersion ? { [ATTR_SERVICE_VERSION]: options.serviceVersion } : {}),
    }),
    ...(options.sampler ? { sampler: options.sampler } : {}),
    spanProcessors: [
      options.batch ? new BatchSpanProcessor(options.exporter) : new SimpleSpanProcessor(options.exporter),
    ],
  });
  provider.register({
    contextManager: new AsyncLocalStorageContextManager().enable(),
    propagator: new W3CTraceContextPropagator(),
  });
  const tracing: Tracing = {
    tracer: trace.getTracer(TRACER_NAME, options.serviceVersion),
    forceFlush: () => provider.forceFlush(),
    async shutdown() {
      if (!isActiveTracing(tracing)) return;
      setActiveTracing(undefined);
      try {
        await provider.shutdown();
      } finally {
        trace.disable();
        context.disable();
        propagation.disable();
      }
    },
  };
  setActiveTracing(tracing);
  return tracing;
}
