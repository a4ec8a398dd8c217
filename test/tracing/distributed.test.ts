import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import type { InMemorySpanExporter, ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { captureLog } from '../../gateway/http/test-support/log-capture.js';
import type { RunningService } from '../../gateway/service.js';
import { startService } from '../../gateway/service.js';
import type { Tracing } from '../../gateway/tracing/tracing.js';
import type { Role } from '../../lib/config/config.js';
import { loadConfig } from '../../lib/config/config.js';
import type { TestDatabase } from '../../lib/executor/test-support/postgres-test-database.js';
import { createTestDatabase } from '../../lib/executor/test-support/postgres-test-database.js';
import { bearer, createToken } from '../support/admin-token.js';
import type { Trace } from './spans.js';
import { memoryTracing, named, traceOf, withAttribute } from './spans.js';

/**
 * Issue 17 §1, tracing in distributed mode: the gateway, media and analytics roles (in this process, each
 * on its own port, talking over real HTTP, on PostgreSQL) make one trace of a request: the gateway sends
 * its client span's W3C `traceparent` with every subgraph call, and each subgraph's server span is that
 * client span's child, its operation and statements below it.
 */

const dir = mkdtempSync(join(tmpdir(), 'tams-tracing-distributed-'));
const services: RunningService[] = [];
let db: TestDatabase;
let tracing: Tracing;
let exporter: InMemorySpanExporter;
let gatewayUrl: string;
let token: string;
const flowId = randomUUID();

beforeAll(async () => {
  ({ tracing, exporter } = memoryTracing('tams-distributed'));
  db = await createTestDatabase('tams_tracing');
  const shared = {
    TAMS_DATABASE_URL: db.url,
    TAMS_PORT: '0',
    TAMS_DATA_DIR: dir,
    TAMS_INTERNAL_SECRET: 'tracing-test-internal-secret-0123456789abcdef',
  };
  const start = async (role: Role, env: Record<string, string> = {}) => {
    const service = await startService(loadConfig({ ...shared, ...env }), role, {
      log: captureLog('error').log,
      version: 'test',
    });
    services.push(service);
    return service;
  };
  // Media first: it migrates the shared database.
  const media = await start('media');
  const analytics = await start('analytics');
  const gateway = await start('gateway', {
    TAMS_MEDIA_URL: media.graphqlUrl,
    TAMS_ANALYTICS_URL: analytics.graphqlUrl,
  });
  gatewayUrl = gateway.url;
  token = await createToken(loadConfig(shared).database);
  const put = await fetch(`${gatewayUrl}/flows/${flowId}`, {
    method: 'PUT',
    headers: { ...bearer(token), 'content-type': 'application/json' },
    body: JSON.stringify({
      id: flowId,
      source_id: randomUUID(),
      format: 'urn:x-nmos:format:video',
      codec: 'video/h264',
      container: 'video/mp2t',
      essence_parameters: { frame_width: 1920, frame_height: 1080, frame_rate: { numerator: 25 } },
    }),
  });
  expect(put.status).toBe(201);
});

afterAll(async () => {
  for (const service of services.reverse()) await service.close();
  await tracing?.shutdown();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => exporter.reset());

const server = (span: ReadableSpan) => span.kind === SpanKind.SERVER;

/** The subgraph's side of the gateway's call to it: server span ← client span, operation and statements below. */
function checkSubgraphCall(trace: Trace, name: string, operation: ReadableSpan): void {
  const client = trace.one(
    `the gateway's call to ${name}`,
    (s) => s.kind === SpanKind.CLIENT && s.name === `POST subgraph ${name}`,
  );
  expect(trace.descends(client, operation)).toBe(true);
  expect(client.attributes['http.response.status_code']).toBe(200);
  const received = trace.one(
    `${name}'s server span`,
    (s) => server(s) && s.parentSpanId === client.spanContext().spanId,
  );
  expect(received.name).toBe('POST graphql');
  const subgraphOperation = trace.one(
    `${name}'s operation`,
    (s) => s.attributes['tams.subgraph'] === name && s.attributes['graphql.operation.type'] === 'query',
  );
  expect(trace.parentOf(subgraphOperation)).toBe(received);
  const statements = trace
    .all(withAttribute('db.system', 'postgresql'))
    .filter((s) => trace.descends(s, subgraphOperation));
  expect(statements.length, `${name}'s statements among ${trace.names()}`).toBeGreaterThan(0);
  for (const statement of statements) expect(statement.attributes['db.system.name']).toBe('postgresql');
}

describe('tracing in distributed mode', () => {
  it("carries the gateway's trace into both subgraph servers over HTTP", async () => {
    const response = await fetch(`${gatewayUrl}/graphql`, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'query FlowWithStats($id: ID!) { flow(id: $id) { id stats { segmentCount } } }',
        variables: { id: flowId },
      }),
    });
    expect(response.status).toBe(200);
    const { trace, root } = await traceOf(
      exporter,
      'the request',
      (s) => server(s) && s.parentSpanId === undefined,
    );
    expect(root.name).toBe('POST graphql');
    const operation = trace.one('the operation span', named('query FlowWithStats'));
    expect(trace.parentOf(operation)).toBe(root);
    // The subgraphs' spans end after the gateway's client spans began: wait for both subgraphs' operations.
    const { trace: whole } = await traceOf(
      exporter,
      "both subgraphs' operations",
      () =>
        exporter
          .getFinishedSpans()
          .filter(
            (s) =>
              s.attributes['tams.subgraph'] &&
              s.spanContext().traceId === root.spanContext().traceId &&
              s.name.startsWith('query'),
          ).length >= 2,
    );
    expect(whole.traceId).toBe(trace.traceId);
    checkSubgraphCall(whole, 'media', operation);
    checkSubgraphCall(whole, 'analytics', operation);
  });

  it('carries a REST request into the media subgraph', async () => {
    const response = await fetch(`${gatewayUrl}/flows/${flowId}/segments`, { headers: bearer(token) });
    expect(response.status).toBe(200);
    const { trace } = await traceOf(
      exporter,
      'the request',
      (s) => server(s) && s.name === 'GET /flows/{flowId}/segments',
    );
    const operation = trace.one('the operation span', named('query Segments'));
    checkSubgraphCall(trace, 'media', operation);
  });
});
