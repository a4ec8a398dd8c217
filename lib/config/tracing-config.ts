/**
 * Tracing settings, from the standard OpenTelemetry environment variables (the names every collector
 * setup already uses). Tracing is off unless an OTLP endpoint is given; OTEL_SDK_DISABLED=true or
 * OTEL_TRACES_EXPORTER=none turn it off again. Only what the store implements is accepted: a value it
 * would ignore (the gRPC protocol, another exporter, an unknown sampler) stops the start with a message.
 */

export type TracesProtocol = 'http/protobuf' | 'http/json';

export type SamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

export interface TracingConfig {
  /** Where spans are sent: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces. */
  readonly endpoint: string;
  readonly protocol: TracesProtocol;
  /** OTEL_SERVICE_NAME; absent: tams-<role>. */
  readonly serviceName?: string;
  readonly sampler: SamplerName;
  /** The ratio of the traceidratio samplers (0..1); 1 otherwise. */
  readonly ratio: number;
}

const SAMPLERS: readonly SamplerName[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];

const PROTOCOLS: readonly TracesProtocol[] = ['http/protobuf', 'http/json'];

/** The tracing settings (undefined: tracing off), and the problems of the OTEL_* variables, if any. */
export function tracingConfig(source: NodeJS.ProcessEnv): {
  tracing: TracingConfig | undefined;
  problems: string[];
} {
  const problems: string[] = [];
  const get = (name: string) => {
    const value = source[name]?.trim();
    return value === '' ? undefined : value;
  };
  const disabled = get('OTEL_SDK_DISABLED');
  if (disabled !== undefined && !['true', 'false'].includes(disabled.toLowerCase()))
    problems.push(`OTEL_SDK_DISABLED: expected true or false (got ${quoted(disabled)})`);
  const exporter = get('OTEL_TRACES_EXPORTER');
  if (exporter !== undefined && exporter !== 'otlp' && exporter !== 'none')
    problems.push(
      `OTEL_TRACES_EXPORTER: expected otlp or none; the store exports traces over OTLP/HTTP only (got ${quoted(exporter)})`,
    );

  const tracesEndpoint = get('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const baseEndpoint = get('OTEL_EXPORTER_OTLP_ENDPOINT');
  for (const [name, value] of [
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', tracesEndpoint],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', baseEndpoint],
  ] as const)
    if (value !== undefined && !isHttpUrl(value))
      problems.push(
        `${name}: expected the http(s) URL of an OTLP/HTTP receiver, e.g. http://127.0.0.1:4318 (got ${quoted(value)})`,
      );
  const endpoint =
    tracesEndpoint ??
    (baseEndpoint === undefined ? undefined : `${baseEndpoint.replace(/\/+$/, '')}/v1/traces`);

  const protocol = get('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? get('OTEL_EXPORTER_OTLP_PROTOCOL');
  if (protocol !== undefined && !PROTOCOLS.includes(protocol as TracesProtocol))
    problems.push(
      `OTEL_EXPORTER_OTLP_${get('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ? 'TRACES_' : ''}PROTOCOL: expected ${PROTOCOLS.join(' or ')} (gRPC is not supported; got ${quoted(protocol)})`,
    );

  const sampler = (get('OTEL_TRACES_SAMPLER') ?? 'parentbased_always_on').toLowerCase();
  if (!SAMPLERS.includes(sampler as SamplerName))
    problems.push(`OTEL_TRACES_SAMPLER: expected one of ${SAMPLERS.join(', ')} (got ${quoted(sampler)})`);
  const arg = get('OTEL_TRACES_SAMPLER_ARG');
  let ratio = 1;
  if (sampler.endsWith('traceidratio') && arg !== undefined) {
    ratio = /^(?:\d+\.?\d*|\.\d+)$/.test(arg) ? Number(arg) : NaN;
    if (!(ratio >= 0 && ratio <= 1))
      problems.push(
        `OTEL_TRACES_SAMPLER_ARG: expected the share of traces to keep, a number from 0 to 1 (got ${quoted(arg)})`,
      );
  }
  const serviceName = get('OTEL_SERVICE_NAME');
  if (serviceName !== undefined && serviceName.length > 200)
    problems.push('OTEL_SERVICE_NAME: expected at most 200 characters');

  const off = disabled?.toLowerCase() === 'true' || exporter === 'none' || endpoint === undefined;
  if (problems.length || off) return { tracing: undefined, problems };
  return {
    tracing: {
      endpoint,
      protocol: (protocol as TracesProtocol | undefined) ?? 'http/protobuf',
      ...(serviceName ? { serviceName } : {}),
      sampler: sampler as SamplerName,
      ratio,
    },
    problems,
  };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hash === '';
  } catch {
    return false;
  }
}

/** A value in a message: bounded, and without the user-info part of a URL (it may hold credentials). */
function quoted(value: string): string {
  const safe = value.replace(/\/\/[^/@\s]*@/, '//…@');
  return JSON.stringify(safe.length > 60 ? `${safe.slice(0, 60)}…` : safe);
}
