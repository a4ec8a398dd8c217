import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { envDetectorSync } from '@opentelemetry/resources';
import type { Sampler } from '@opentelemetry/sdk-trace-base';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import type { Role, TracingConfig } from '../../lib/config/config.js';
import type { Tracing } from './tracing.js';
import { installTracing } from './tracing.js';

/**
 * Installs tracing as configured (lib/config/tracing-config.ts): spans batched and exported over
 * OTLP/HTTP, protobuf or JSON, to the configured endpoint (headers, timeout and compression come from
 * the exporter's own OTEL_EXPORTER_OTLP_* variables). Each role is its own service: tams-<role>, unless
 * OTEL_SERVICE_NAME (or a service.name in OTEL_RESOURCE_ATTRIBUTES, whose other attributes are kept too)
 * names it.
 */
export function startTracing(config: TracingConfig, role: Role, version: string): Tracing {
  const exporter =
    config.protocol === 'http/json'
      ? new JsonExporter({ url: config.endpoint })
      : new ProtobufExporter({ url: config.endpoint });
  const fromEnvironment = envDetectorSync.detect().attributes;
  const named = fromEnvironment['service.name'];
  return installTracing({
    serviceName: config.serviceName ?? (typeof named === 'string' ? named : `tams-${role}`),
    attributes: fromEnvironment,
    serviceVersion: version,
    sampler: samplerOf(config),
    exporter,
    batch: true,
  });
}

export function samplerOf(config: Pick<TracingConfig, 'sampler' | 'ratio'>): Sampler {
  switch (config.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(config.ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.ratio) });
  }
}
