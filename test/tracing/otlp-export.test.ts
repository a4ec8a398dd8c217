import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLog } from '../../gateway/http/test-support/log-capture.js';
import { startService } from '../../gateway/service.js';
import { activeTracer } from '../../gateway/tracing/active-tracer.js';
import { loadConfig } from '../../lib/config/config.js';
import { bearer, createToken } from '../support/admin-token.js';

/**
 * Tracing as an operator turns it on: OTEL_EXPORTER_OTLP_ENDPOINT set, the store's spans go to an OTLP/HTTP
 * receiver (here a small HTTP server taking what a collector would), in JSON or protobuf, and what is
 * buffered is sent when the store stops.
 */

interface Received {
  readonly path: string;
  readonly contentType: string;
  readonly body: Buffer;
}

const received: Received[] = [];
let receiver: Server;
let endpoint: string;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        contentType: req.headers['content-type'] ?? '',
        body: Buffer.concat(chunks),
      });
      // An empty ExportTraceServiceResponse: everything accepted.
      const json = (req.headers['content-type'] ?? '').includes('json');
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      res.end(json ? '{}' : '');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
});

/** Starts an embedded store exporting to the receiver, makes one REST request, stops it: what it sent. */
async function exportedBy(protocol?: string): Promise<Received[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tams-otlp-'));
  try {
    const config = loadConfig({
      TAMS_DATA_DIR: dir,
      TAMS_PORT: '0',
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      ...(protocol ? { OTEL_EXPORTER_OTLP_PROTOCOL: protocol } : {}),
    });
    const service = await startService(config, 'embedded', {
      log: captureLog('error').log,
      version: '9.9.9',
    });
    const token = await createToken(config.database);
    const response = await fetch(`${service.url}/flows?limit=1`, { headers: bearer(token) });
    expect(response.status).toBe(200);
    const before = received.length;
    await service.close();
    expect(activeTracer(), 'tracing is uninstalled when the store stops').toBeUndefined();
    return received.slice(before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('OTLP/HTTP export', () => {
  it('sends the spans as OTLP JSON to <endpoint>/v1/traces, under the service name tams-embedded', async () => {
    process.env.OTEL_RESOURCE_ATTRIBUTES = 'deployment.environment=tracing-test';
    const sent = await exportedBy('http/json').finally(() => delete process.env.OTEL_RESOURCE_ATTRIBUTES);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((r) => r.path === '/v1/traces' && r.contentType.includes('application/json'))).toBe(
      true,
    );
    const spans: { name: string; traceId: string; kind: number }[] = [];
    for (const { body } of sent) {
      const request = JSON.parse(body.toString()) as {
        resourceSpans: {
          resource: { attributes: { key: string; value: { stringValue?: string } }[] };
          scopeSpans: { spans: { name: string; traceId: string; kind: number }[] }[];
        }[];
      };
      for (const resourceSpans of request.resourceSpans) {
        const attributes = Object.fromEntries(
          resourceSpans.resource.attributes.map((a) => [a.key, a.value.stringValue]),
        );
        expect(attributes).toMatchObject({
          'service.name': 'tams-embedded',
          'service.version': '9.9.9',
          'deployment.environment': 'tracing-test',
        });
        for (const scope of resourceSpans.scopeSpans) spans.push(...scope.spans);
      }
    }
    const request = spans.find((s) => s.name === 'GET /flows');
    expect(request, spans.map((s) => s.name).join(', ')).toBeDefined();
    const trace = spans.filter((s) => s.traceId === request!.traceId).map((s) => s.name);
    expect(trace).toEqual(expect.arrayContaining(['query Flows', 'subgraph media']));
    expect(trace.some((name) => name.startsWith('select '))).toBe(true);
  });

  it('sends OTLP protobuf by default (http/protobuf)', async () => {
    const sent = await exportedBy();
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((r) => r.path === '/v1/traces' && r.contentType === 'application/x-protobuf')).toBe(
      true,
    );
    // Protobuf keeps strings as they are: the service and span names are in the bytes.
    const bytes = Buffer.concat(sent.map((r) => r.body));
    expect(bytes.includes('tams-embedded')).toBe(true);
    expect(bytes.includes('GET /flows')).toBe(true);
  });
});
