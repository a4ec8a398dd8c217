import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { InMemorySpanExporter, ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { captureLog } from '../../gateway/http/test-support/log-capture.js';
import type { RunningService } from '../../gateway/service.js';
import { startService } from '../../gateway/service.js';
import type { Tracing } from '../../gateway/tracing/tracing.js';
import { loadConfig } from '../../lib/config/config.js';
import { bearer, createToken } from '../support/admin-token.js';
import type { Trace } from './spans.js';
import { memoryTracing, named, traceOf, withAttribute } from './spans.js';

/**
 * Issue 17 §1, tracing in embedded mode: a REST request and a GraphQL request each make one trace, the
 * HTTP request's server span at its root, then the GraphQL operation, the subgraph(s), and the executor's
 * statements, each the child of what ran it.
 */

const dir = mkdtempSync(join(tmpdir(), 'tams-tracing-'));
let tracing: Tracing;
let exporter: InMemorySpanExporter;
let service: RunningService;
let token: string;
const flowId = randomUUID();

beforeAll(async () => {
  ({ tracing, exporter } = memoryTracing('tams-embedded'));
  // No entity cache: its hits run no statement, and these tests follow statements under each subgraph.
  const config = loadConfig({ TAMS_DATA_DIR: dir, TAMS_PORT: '0', TAMS_CACHE: 'off' });
  service = await startService(config, 'embedded', { log: captureLog('error').log, version: 'test' });
  token = await createToken(config.database);
  const put = await fetch(`${service.url}/flows/${flowId}`, {
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
  await service?.close();
  await tracing?.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => exporter.reset());

const isServer = (name: string) => (span: ReadableSpan) =>
  span.kind === SpanKind.SERVER && span.name === name;
const sqlite = withAttribute('db.system', 'sqlite');

/** What holds for every request's trace: its operation under the server span, statements free of values. */
function checkOperation(trace: Trace, root: ReadableSpan, name: string): ReadableSpan {
  const operation = trace.one('the operation span', named(name));
  expect(trace.parentOf(operation)).toBe(root);
  expect(operation.attributes['tams.graphql.side']).toBe('gateway');
  expect(operation.attributes['tams.request_id']).toBe(root.attributes['tams.request_id']);
  for (const span of trace.spans) {
    // No bind value, and no credential, is ever part of a span; the id shows only in the request's path.
    const recorded = JSON.stringify(span.attributes);
    expect(recorded).not.toContain(token);
    if (span !== root) expect(recorded).not.toContain(flowId);
  }
  return operation;
}

describe('tracing in embedded mode', () => {
  it('traces a REST window request: request → operation → media subgraph → SQLite statements', async () => {
    // The first run of the route's operation goes through the gateway (which learns its plan), the
    // second takes the direct route to the subgraph: both are traced alike.
    for (const run of ['through the gateway', 'on the direct route']) {
      exporter.reset();
      const response = await fetch(`${service.url}/flows/${flowId}/segments?limit=5`, {
        headers: bearer(token),
      });
      expect(response.status, run).toBe(200);
      const { trace, root } = await traceOf(exporter, run, isServer('GET /flows/{flowId}/segments'));
      expect(root.attributes).toMatchObject({
        'http.request.method': 'GET',
        'http.route': '/flows/{flowId}/segments',
        'http.response.status_code': 200,
        'url.path': `/flows/${flowId}/segments`,
      });
      expect(root.parentSpanId).toBeUndefined();
      expect(root.resource.attributes['service.name']).toBe('tams-embedded');
      const operation = checkOperation(trace, root, 'query Segments');
      expect(operation.attributes['graphql.operation.type']).toBe('query');
      const subgraph = trace.one('the media subgraph span', named('subgraph media'));
      expect(trace.descends(subgraph, operation), run).toBe(true);
      if (run === 'on the direct route') expect(trace.parentOf(subgraph)).toBe(operation);
      const read = trace.all(sqlite).find((s) => s.attributes['db.collection.name'] === 'segments');
      expect(read, `a statement reading segments among ${trace.names()}`).toBeDefined();
      expect(trace.descends(read!, subgraph)).toBe(true);
      expect(read!.attributes).toMatchObject({ 'db.system.name': 'sqlite', 'tams.db.endpoint': 'primary' });
      expect(read!.attributes['db.operation.name']).toMatch(/^(select|aggregate)$/);
      expect(read!.startTime <= read!.endTime).toBe(true);
    }
  });

  it('traces a GraphQL request across both subgraphs, through the gateway plan', async () => {
    const response = await fetch(`${service.url}/graphql`, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'query FlowWithStats($id: ID!) { flow(id: $id) { id stats { segmentCount } } }',
        variables: { id: flowId },
      }),
    });
    expect(response.status).toBe(200);
    const { trace, root } = await traceOf(exporter, 'the GraphQL request', isServer('POST graphql'));
    expect(root.attributes).toMatchObject({ 'http.request.method': 'POST', 'tams.route': 'graphql' });
    const operation = checkOperation(trace, root, 'query FlowWithStats');
    expect(operation.status.code).toBe(SpanStatusCode.UNSET);
    // @apollo/gateway's own spans join the trace: its plan's fetches, one per subgraph.
    for (const name of ['media', 'analytics']) {
      const fetchSpan = trace.one(
        `the gateway's fetch from ${name}`,
        (s) => s.name === 'gateway.fetch' && s.attributes.service === name,
      );
      expect(trace.descends(fetchSpan, operation)).toBe(true);
      const subgraph = trace.one(`the ${name} subgraph span`, named(`subgraph ${name}`));
      expect(trace.parentOf(subgraph)).toBe(fetchSpan);
      const statements = trace.all(sqlite).filter((s) => trace.descends(s, subgraph));
      expect(statements.length, `statements under ${name} among ${trace.names()}`).toBeGreaterThan(0);
    }
  });

  it('records the errors of an operation on its span', async () => {
    const response = await fetch(`${service.url}/graphql`, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation DeleteMissing($id: ID!) { deleteFlow(id: $id) { done } }',
        variables: { id: randomUUID() },
      }),
    });
    const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
    const code = body.errors?.[0]?.extensions?.code;
    expect(code, JSON.stringify(body)).toBeDefined();
    const { trace } = await traceOf(exporter, 'the failed request', isServer('POST graphql'));
    const operation = trace.one('the operation span', named('mutation DeleteMissing'));
    expect(operation.status.code).toBe(SpanStatusCode.ERROR);
    expect(operation.attributes['graphql.error.codes']).toContain(code);
  });

  it("continues the client's trace when the request carries a W3C traceparent", async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const parent = 'b7ad6b7169203331';
    const response = await fetch(`${service.url}/flows/${flowId}`, {
      headers: { ...bearer(token), traceparent: `00-${traceId}-${parent}-01` },
    });
    expect(response.status).toBe(200);
    const { trace, root } = await traceOf(exporter, 'the request', isServer('GET /flows/{flowId}'));
    expect(root.spanContext().traceId).toBe(traceId);
    expect(root.parentSpanId).toBe(parent);
    expect(trace.spans.length).toBeGreaterThan(2);
  });

  it("follows the client's sampling decision: a traceparent not sampled records nothing", async () => {
    const response = await fetch(`${service.url}/flows/${flowId}`, {
      headers: { ...bearer(token), traceparent: '00-1af7651916cd43dd8448eb211c80319c-c7ad6b7169203331-00' },
    });
    expect(response.status).toBe(200);
    await response.text();
    // A sampled request after it: once its spans are in, the unsampled one's would have been too.
    await fetch(`${service.url}/flows/${flowId}`, { headers: bearer(token) });
    const { trace } = await traceOf(exporter, 'the sampled request', isServer('GET /flows/{flowId}'));
    expect(exporter.getFinishedSpans().filter((s) => s.spanContext().traceId !== trace.traceId)).toEqual([]);
  });

  it('makes no span for health probes or for statements outside requests', async () => {
    await fetch(`${service.url}/health`);
    await fetch(`${service.url}/ready`);
    // Everything the store does meanwhile (the outbox follower's polls, workers) is untraced.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual([]);
  });
});
