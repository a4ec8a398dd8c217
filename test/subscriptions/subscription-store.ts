import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { Principals } from '../../gateway/auth/principals.js';
import type { Scope } from '../../gateway/auth/scopes.js';
import { createLogger } from '../../gateway/logger.js';
import type { RunningService } from '../../gateway/service.js';
import { startService } from '../../gateway/service.js';
import { loadConfig } from '../../lib/config/config.js';
import type { Executor } from '../../lib/executor/index.js';
import { openExecutor } from '../../lib/executor/index.js';
import { bearer, createScopeTokens } from '../support/admin-token.js';
import { untilActiveSubscriptions } from '../support/metrics.js';
import { WsTestClient } from './ws-client.js';

/**
 * The embedded store the subscription suites run against, with authentication on: a token per scope,
 * a Basic user, REST helpers to change flows, and graphql-ws test clients closed after each test.
 * Deleting more than 3 segments goes through a delete request (a storeEvents test watches one).
 */

export const JWT_SECRET = 'subscriptions-test-hs256-secret-0123456789';
/** Every line the store logged (tests check that no secret is among them). */
export const logs: string[] = [];
export let service: RunningService;
export let executor: Executor;
export let wsUrl: string;
/** A token per scope, each with only that scope. */
export let tokens: Record<Scope, string>;

/** Every test client, closed after each test so that one failure does not leave subscriptions open. */
const clients: WsTestClient[] = [];
export async function connect(...args: Parameters<typeof WsTestClient.connect>): Promise<WsTestClient> {
  const client = await WsTestClient.connect(...args);
  clients.push(client);
  return client;
}
export async function rest(method: string, path: string, body?: unknown) {
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers: {
      ...bearer(tokens.admin),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(response.status, `${method} ${path}: ${await response.clone().text()}`).toBeLessThan(300);
  return response;
}

export async function createFlow(): Promise<string> {
  const id = randomUUID();
  await rest('PUT', `/flows/${id}`, {
    id,
    source_id: randomUUID(),
    format: 'urn:x-nmos:format:video',
    codec: 'video/h264',
    container: 'video/mp2t',
    label: 'camera 1',
    essence_parameters: { frame_width: 1920, frame_height: 1080 },
  });
  return id;
}

export async function addSegment(flow: string, second: number) {
  const storage = await rest('POST', `/flows/${flow}/storage`, { limit: 1 });
  const { media_objects } = (await storage.json()) as { media_objects: { object_id: string }[] };
  await rest('POST', `/flows/${flow}/segments`, {
    object_id: media_objects[0]!.object_id,
    timerange: `[${second}:0_${second + 1}:0)`,
  });
}

/**
 * Starts the store for the calling test file (its own data directory) and closes every test client
 * after each test; the bindings above hold it meanwhile.
 */
export function useSubscriptionStore(): void {
  const dir = mkdtempSync(join(tmpdir(), 'tams-subscriptions-'));
  beforeAll(async () => {
    // Deleting more than 3 segments goes through a delete request (the storeEvents test watches one).
    const config = loadConfig({
      TAMS_DATA_DIR: dir,
      TAMS_PORT: '0',
      TAMS_JWT_SECRET: JWT_SECRET,
      TAMS_SYNC_DELETE_LIMIT: '3',
    });
    service = await startService(config, 'embedded', {
      log: createLogger('info', { write: (line: string) => void logs.push(line) }),
      version: 'test',
    });
    wsUrl = service.graphqlUrl.replace(/^http/, 'ws');
    executor = await openExecutor(config.database);
    tokens = await createScopeTokens(executor);
    await new Principals(executor).set('basic-ana', ['read'], { password: 'a long enough password' });
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await untilActiveSubscriptions(service.url, 0);
  });
  afterAll(async () => {
    await executor?.close();
    await service?.close();
    rmSync(dir, { recursive: true, force: true });
  });
}
