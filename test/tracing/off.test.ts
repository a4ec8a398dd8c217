import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, createContextKey, propagation, ProxyTracerProvider, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLog } from '../../gateway/http/test-support/log-capture.js';
import type { RunningService } from '../../gateway/service.js';
import { startService } from '../../gateway/service.js';
import { activeTracer } from '../../gateway/tracing/active-tracer.js';
import { loadConfig } from '../../lib/config/config.js';
import { bearer, createToken } from '../support/admin-token.js';

/** Tracing is off by default: nothing is installed, nothing is wrapped, no span is recorded. */

const dir = mkdtempSync(join(tmpdir(), 'tams-tracing-off-'));
let service: RunningService;
let token: string;

beforeAll(async () => {
  const config = loadConfig({ TAMS_DATA_DIR: dir, TAMS_PORT: '0' });
  expect(config.tracing).toBeUndefined();
  service = await startService(config, 'embedded', { log: captureLog('error').log, version: 'test' });
  token = await createToken(config.database);
});

afterAll(async () => {
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('tracing off (the default)', () => {
  it('serves requests with no tracer provider, context manager or propagator registered', async () => {
    const rest = await fetch(`${service.url}/flows?limit=1`, {
      headers: { ...bearer(token), traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    });
    expect(rest.status).toBe(200);
    expect(activeTracer()).toBeUndefined();
    // The API's global provider is its proxy with no SDK behind it: spans are no-ops, never recorded.
    const provider = trace.getTracerProvider();
    expect(provider).toBeInstanceOf(ProxyTracerProvider);
    expect((provider as ProxyTracerProvider).getDelegate().constructor.name).toBe('NoopTracerProvider');
    const span = trace.getTracer('probe').startSpan('probe');
    expect(span.isRecording()).toBe(false);
    span.end();
    expect(propagation.fields()).toEqual([]);
    // No context manager: a value set for a callback is not seen inside it.
    const key = createContextKey('probe');
    expect(
      context.with(context.active().setValue(key, 1), () => context.active().getValue(key)),
    ).toBeUndefined();
  });
});
