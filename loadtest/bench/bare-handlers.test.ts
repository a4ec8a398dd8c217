import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/logger.js';
import { openObjectStorage } from '../../gateway/object-storage.js';
import type { RunningService } from '../../gateway/service.js';
import { startService } from '../../gateway/service.js';
import { loadConfig } from '../../lib/config/config.js';
import type { Executor } from '../../lib/executor/index.js';
import { openExecutor } from '../../lib/executor/index.js';
import { bearer, createToken } from '../../test/support/admin-token.js';
import { CHECKS, pagePath, segmentBatch, segmentsPath, windowPath } from '../k6/lib/scenarios.js';
import type { BareHandlers } from './bare-handlers.js';
import { startBareHandlers } from './bare-handlers.js';
import { StoreClient } from './store-client.js';

/**
 * The bench's baselines stay baselines of the same work: the bare handlers answer the bench's window and
 * page requests with the REST shim's JSON byte for byte, and the raw batch insert stores what it is
 * given. (The bench checks the bytes again before every run; this keeps a REST change from leaving the
 * bench broken until someone runs it.)
 */

const dir = mkdtempSync(join(tmpdir(), 'tams-bare-'));
let service: RunningService;
let executor: Executor;
let bare: BareHandlers;
let rest: StoreClient;
let raw: StoreClient;
const SEGMENTS = 1200;
let flowId: string;

beforeAll(async () => {
  const config = loadConfig({ TAMS_DATA_DIR: dir, TAMS_PORT: '0', TAMS_LOG_LEVEL: 'silent' });
  const log = createLogger('silent');
  service = await startService(config, 'embedded', { log, version: 'test' });
  rest = new StoreClient(service.url, bearer(await createToken(config.database)));
  executor = await openExecutor(config.database);
  const objects = await openObjectStorage(config.objects, service.url, log);
  if (config.database.kind !== 'sqlite') throw new Error('expected SQLite');
  bare = await startBareHandlers({ databasePath: config.database.path, executor, storage: objects.spec });
  raw = new StoreClient(bare.url, {});
  flowId = await rest.createFlow('bare handler test');
  await rest.seedSegments(flowId, SEGMENTS);
});
afterAll(async () => {
  await rest?.close();
  await raw?.close();
  await bare?.close();
  await executor?.close();
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Both answers, asked until they fall in the same second (presigned URLs carry their expiry second). */
async function bothAnswers(path: string) {
  for (let attempt = 0; ; attempt++) {
    const expected = await rest.send('GET', path);
    const actual = await raw.send('GET', path);
    if (expected.body === actual.body || attempt === 4) return { expected, actual };
  }
}

describe('the bench baselines', () => {
  it('answers the mid-flow window with the REST JSON, byte for byte', async () => {
    const { expected, actual } = await bothAnswers(windowPath(flowId, SEGMENTS));
    for (const check of Object.values(CHECKS.window)) expect(check(expected)).toBe(true);
    expect(actual.status).toBe(200);
    expect(actual.body).toBe(expected.body);
  });

  it('answers the 1000-segment presigned page with the REST JSON, byte for byte', async () => {
    const { expected, actual } = await bothAnswers(pagePath(flowId));
    for (const check of Object.values(CHECKS.page1000)) expect(check(expected)).toBe(true);
    expect(actual.body).toBe(expected.body);
  });

  it('inserts a batch with the executor, and the store then lists it', async () => {
    const first = await rest.send('GET', `/flows/${flowId}/segments?limit=10`);
    const objectIds = (JSON.parse(first.body) as { object_id: string }[]).map((s) => s.object_id);
    const batch = segmentBatch(objectIds, SEGMENTS);
    expect((await raw.send('POST', segmentsPath(flowId), batch)).status).toBe(201);
    const listed = await rest.send('GET', `/flows/${flowId}/segments?timerange=[${SEGMENTS}:0_&limit=100`);
    expect((JSON.parse(listed.body) as { timerange: string }[]).map((s) => s.timerange)).toEqual(
      batch.map((s) => s.timerange),
    );
  });
});
