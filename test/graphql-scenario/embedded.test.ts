import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/logger.js';
import type { RunningService } from '../../gateway/service.js';
import { startService } from '../../gateway/service.js';
import { loadConfig } from '../../lib/config/config.js';
import { bearer, createToken } from '../support/admin-token.js';
import { EXPECTED_SCENARIO } from './expected.js';
import type { Endpoint } from './scenario.js';
import { graphql, runScenario } from './scenario.js';

const dir = mkdtempSync(join(tmpdir(), 'tams-embedded-'));
let service: RunningService;
let endpoint: Endpoint & object;

beforeAll(async () => {
  const config = loadConfig({ TAMS_DATA_DIR: dir, TAMS_PORT: '0', TAMS_LOG_LEVEL: 'silent' });
  service = await startService(config, 'embedded', { log: createLogger('silent'), version: 'test' });
  endpoint = { url: service.graphqlUrl, headers: bearer(await createToken(config.database)) };
});
afterAll(async () => {
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('embedded store over HTTP', () => {
  it('runs the README GraphQL session: upload, register, list, download, federated stats, delete', async () => {
    expect(await runScenario(endpoint, { flowId: randomUUID(), sourceId: randomUUID() })).toEqual(
      EXPECTED_SCENARIO,
    );
  });

  it('answers health, readiness and metrics', async () => {
    expect(await (await fetch(`${service.url}/health`)).json()).toEqual({
      status: 'ok',
      cache: { store: 'memory' },
    });
    const ready = await fetch(`${service.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: [{ name: 'database', ok: true }] });
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toContain('tams_http_request_duration_seconds_bucket');
    expect(metrics).toContain('tams_graphql_operation_duration_seconds');
    // Every database statement, by kind and table (the scenario before this ran selects and inserts; its
    // coverage reads the maintained runs, its stats sum the segments).
    expect(metrics).toMatch(/tams_db_query_seconds_count\{[^}]*kind="select"[^}]*table="flows"/);
    expect(metrics).toMatch(/tams_db_query_seconds_count\{[^}]*kind="aggregate"[^}]*table="segment_runs"/);
    expect(metrics).toMatch(/tams_db_query_seconds_count\{[^}]*kind="insert"[^}]*table="segments"/);
  });

  it('refuses oversized, malformed and over-complex requests with clear errors', async () => {
    const big = await fetch(service.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...endpoint.headers },
      body: JSON.stringify({ query: `{ service { name } }`, padding: 'x'.repeat(2_000_000) }),
    });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ type: 'REQUEST_TOO_LARGE' });
    const broken = await fetch(service.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...endpoint.headers },
      body: '{',
    });
    expect(broken.status).toBe(400);
    let deep = 'id';
    for (let i = 0; i < 20; i++) deep = `flowCollection { flow { ${deep} } }`;
    const tooDeep = await graphql(endpoint, `{ flows { nodes { ${deep} } } }`);
    expect(tooDeep.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_DEEP');
    expect((await fetch(`${service.url}/nothing-here`)).status).toBe(404);
  });

  it('gives every response a request id, and keeps a sane one the client sent', async () => {
    const mine = await fetch(`${service.url}/health`, { headers: { 'x-request-id': 'abc-123' } });
    expect(mine.headers.get('x-request-id')).toBe('abc-123');
    const hostile = await fetch(`${service.url}/health`, {
      headers: { 'x-request-id': 'spaces and / slashes' },
    });
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
