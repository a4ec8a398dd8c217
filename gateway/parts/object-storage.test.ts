import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config/config.js';
import type { Executor } from '../../lib/executor/index.js';
import { SqliteExecutor } from '../../lib/executor/index.js';
import { createLogger } from '../logger.js';
import type { ObjectStoragePart } from './object-storage.js';
import { openObjectStoragePart } from './object-storage.js';

/** The filesystem store's endpoint records each upload's true size in the object's index row. */
const dir = mkdtempSync(join(tmpdir(), 'tams-object-sizes-'));
let executor: Executor;
let part: ObjectStoragePart;
const server = createServer((req, res) => {
  void part.routes[0]!.handle(req, res, 'test');
});

beforeAll(async () => {
  executor = await SqliteExecutor.open({ path: join(dir, 'tams.sqlite3'), synchronous: 'NORMAL' });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = loadConfig({ TAMS_DATA_DIR: dir, TAMS_AUTH: 'off' });
  part = await openObjectStoragePart(config, 'embedded', origin, createLogger('silent'), executor);
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await part?.stop();
  await executor?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('records the size of an uploaded object in objects.size_bytes', async () => {
  await executor.insert('objects', [{ id: 'sized-1', created: new Date() }]);
  const store = part.storage!.spec.store;
  const { url, headers } = store.presignPut('sized-1', { expiresInSeconds: 60 });
  const response = await fetch(url, { method: 'PUT', headers, body: Buffer.alloc(4321, 7) });
  expect(response.status).toBe(201);
  const [row] = await executor.lookup('objects', 'id', ['sized-1'], { columns: ['size_bytes'] });
  expect(row?.size_bytes).toBe(4321n);
});
