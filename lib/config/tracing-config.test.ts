import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const base = { TAMS_DATA_DIR: '/tmp/tams-config-test' };
const load = (env: Record<string, string>) => loadConfig({ ...base, ...env });

function problemsOf(env: Record<string, string>): string {
  try {
    load(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a configuration error');
}

describe('tracing configuration (OTEL_* variables)', () => {
  it('is off by default, and off when disabled even with an endpoint', () => {
    expect(load({}).tracing).toBeUndefined();
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(load({ ...endpoint, OTEL_SDK_DISABLED: 'true' }).tracing).toBeUndefined();
    expect(load({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }).tracing).toBeUndefined();
  });

  it('is on with an OTLP endpoint: the base endpoint gets /v1/traces, the traces endpoint is used as is', () => {
    expect(load({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing).toEqual({
      endpoint: 'http://collector:4318/v1/traces',
      protocol: 'http/protobuf',
      sampler: 'parentbased_always_on',
      ratio: 1,
    });
    expect(
      load({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/otlp/traces',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'media-store',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
      }).tracing,
    ).toEqual({
      endpoint: 'https://traces.example/otlp/traces',
      protocol: 'http/json',
      serviceName: 'media-store',
      sampler: 'parentbased_traceidratio',
      ratio: 0.25,
    });
  });

  it('refuses what it would not honour, naming the variable', () => {
    expect(problemsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toMatch(
      /OTEL_EXPORTER_OTLP_ENDPOINT: expected the http\(s\) URL/,
    );
    expect(problemsOf({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toMatch(
      /OTEL_EXPORTER_OTLP_PROTOCOL: expected http\/protobuf or http\/json \(gRPC is not supported/,
    );
    expect(problemsOf({ OTEL_TRACES_EXPORTER: 'jaeger' })).toMatch(
      /OTEL_TRACES_EXPORTER: expected otlp or none/,
    );
    expect(problemsOf({ OTEL_TRACES_SAMPLER: 'sometimes' })).toMatch(/OTEL_TRACES_SAMPLER: expected one of/);
    for (const arg of ['1.5', 'half', '-0.1'])
      expect(problemsOf({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: arg })).toMatch(
        /OTEL_TRACES_SAMPLER_ARG: expected the share of traces to keep/,
      );
    expect(problemsOf({ OTEL_SDK_DISABLED: 'yes' })).toMatch(/OTEL_SDK_DISABLED: expected true or false/);
  });

  it('never echoes credentials an endpoint URL carries', () => {
    const message = problemsOf({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://user:s3cret@collector/traces' });
    expect(message).toContain('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
    expect(message).not.toContain('s3cret');
  });
});
