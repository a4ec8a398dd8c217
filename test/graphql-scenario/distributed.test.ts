import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/logger.js';
import { startService } from '../../gateway/service.js';
import { loadConfig } from '../../lib/config/config.js';
import type { TestDatabase } from '../../lib/executor/test-support/postgres-test-database.js';
import { createTestDatabase } from '../../lib/executor/test-support/postgres-test-database.js';
import type { RunningS3rver } from '../../lib/objects/test-support/s3rver.js';
import { S3RVER_CREDENTIALS, startS3rver } from '../../lib/objects/test-support/s3rver.js';
import { WAIT_LIMIT_MS } from '../../lib/test-support/eventually.js';
import { bearer, createToken } from '../support/admin-token.js';
import { CLI, runCli } from '../support/cli.js';
import { untilActiveSubscriptions } from '../support/metrics.js';
import { WsTestClient } from '../subscriptions/ws-client.js';
import { EXPECTED_SCENARIO } from './expected.js';
import { runScenario } from './scenario.js';

/**
 * Distributed mode as deployed: three processes (media, analytics, gateway) started with the real CLI,
 * on PostgreSQL and S3 (s3rver), running the same session as the embedded store.
 */

const processes: ChildProcess[] = [];
let db: TestDatabase;
let s3: RunningS3rver;
let gatewayUrl: string;
let mediaUrl: string;
let token: string;

function startRole(role: string, env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--role', role], {
    env: { ...process.env, ...env, TAMS_PORT: '0', TAMS_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  processes.push(child);
  return new Promise((resolve, reject) => {
    let stderr = '';
    // A hang guard: a role starts in seconds, or much longer on a machine busy with other suites.
    const timer = setTimeout(
      () => reject(new Error(`${role} did not start within ${WAIT_LIMIT_MS} ms: ${stderr}`)),
      WAIT_LIMIT_MS,
    );
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const match = /listening on (http:\/\/\S+);/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1]!, child });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${role} exited with ${code}: ${stderr}`));
    });
  });
}

beforeAll(async () => {
  [db, s3] = await Promise.all([createTestDatabase('tams_distributed'), startS3rver()]);
  const shared = {
    TAMS_DATABASE_URL: db.url,
    TAMS_S3_BUCKET: 'tams-e2e',
    TAMS_S3_ENDPOINT: s3.endpoint,
    TAMS_S3_CREATE_BUCKET: 'true',
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    // The gateway signs its subgraph calls with it; the subgraphs accept nothing else.
    TAMS_INTERNAL_SECRET: 'distributed-test-internal-secret-0123456789',
  };
  // Media first: it migrates the shared database and registers the storage backend.
  const media = await startRole('media', shared);
  const analytics = await startRole('analytics', shared);
  const gateway = await startRole('gateway', {
    ...shared,
    TAMS_MEDIA_URL: `${media.url}/graphql`,
    TAMS_ANALYTICS_URL: `${analytics.url}/graphql`,
  });
  gatewayUrl = gateway.url;
  mediaUrl = media.url;
  // As an operator would: the CLI, against the shared database, with no server involved.
  const created = await runCli(
    ['token', 'create', '--scopes', 'read,write,delete,admin', '--user', 'e2e'],
    shared,
  );
  expect(created.code, created.stderr).toBe(0);
  token = created.stdout.trim();
}, 5 * WAIT_LIMIT_MS);

afterAll(async () => {
  await Promise.all(
    processes.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
  await s3?.close();
  await db?.drop();
});

describe('distributed mode (gateway, media and analytics processes on PostgreSQL and S3)', () => {
  it('is ready once every role is up', async () => {
    const ready = await fetch(`${gatewayUrl}/ready`);
    expect(await ready.json()).toMatchObject({ status: 'ready' });
  });

  it('runs the README GraphQL session with the same results as the embedded store', async () => {
    const distributed = await runScenario(
      { url: `${gatewayUrl}/graphql`, headers: bearer(token) },
      { flowId: randomUUID(), sourceId: randomUUID() },
    );
    const dir = mkdtempSync(join(tmpdir(), 'tams-compare-'));
    const config = loadConfig({ TAMS_DATA_DIR: dir, TAMS_PORT: '0' });
    const embedded = await startService(config, 'embedded', { log: createLogger('silent'), version: 'test' });
    try {
      const local = await runScenario(
        { url: embedded.graphqlUrl, headers: bearer(await createToken(config.database)) },
        { flowId: randomUUID(), sourceId: randomUUID() },
      );
      expect(distributed).toEqual(local);
      expect(distributed).toEqual(EXPECTED_SCENARIO);
    } finally {
      await embedded.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('records the caller through the gateway, and keeps the subgraphs closed to anyone but the gateway', async () => {
    const id = randomUUID();
    const put = await fetch(`${gatewayUrl}/flows/${id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...bearer(token) },
      body: JSON.stringify({
        id,
        source_id: randomUUID(),
        format: 'urn:x-nmos:format:multi',
      }),
    });
    expect(put.status, await put.text()).toBe(201);
    const flow = await fetch(`${gatewayUrl}/flows/${id}`, { headers: bearer(token) });
    expect(await flow.json()).toMatchObject({ id, created_by: 'e2e', updated_by: 'e2e' });
    expect((await fetch(`${gatewayUrl}/flows`)).status).toBe(401);
    // Straight to the media subgraph: the client's own token is not what it accepts.
    const direct = (headers: Record<string, string>) =>
      fetch(`${mediaUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query: '{ flows { nodes { id } } }' }),
      });
    expect((await direct({})).status).toBe(401);
    expect((await direct(bearer(token))).status).toBe(401);
  });

  let lingering: WsTestClient | undefined;

  it('delivers subscription events of writes made in another process (the media role)', async () => {
    const id = randomUUID();
    const put = (label: string) =>
      fetch(`${gatewayUrl}/flows/${id}${label ? '/label' : ''}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...bearer(token) },
        body: JSON.stringify(label || { id, source_id: randomUUID(), format: 'urn:x-nmos:format:multi' }),
      });
    expect((await put('')).status).toBe(201);
    const client = await WsTestClient.connect(`${gatewayUrl.replace(/^http/, 'ws')}/graphql`, bearer(token));
    lingering = client;
    expect(await client.initResult()).toBe('ack');
    client.subscribe(
      '1',
      'subscription($id: ID!) { flowUpdated(id: $id) { label stats { segmentCount } } }',
      { id },
    );
    // The gateway counts a subscription once it follows the outbox: a write after that reaches it.
    await untilActiveSubscriptions(gatewayUrl, 1);
    expect((await put('take 1')).status).toBe(204);
    const [first] = await client.nextOf('1', 1);
    expect(first).toMatchObject({
      type: 'next',
      payload: { data: { flowUpdated: { label: 'take 1', stats: { segmentCount: 0 } } } },
    });
  });

  it('stops every role gracefully on SIGTERM', async () => {
    const codes = await Promise.all(
      processes.map(
        (child) =>
          new Promise<number | null>((resolve) => {
            child.once('exit', (code) => resolve(code));
            child.kill('SIGTERM');
          }),
      ),
    );
    expect(codes).toEqual([0, 0, 0]);
    // An open graphql-ws connection is closed as "going away", and does not hold the gateway up.
    if (lingering) expect(await lingering.waitClosed()).toMatchObject({ code: 1001 });
  });
});
