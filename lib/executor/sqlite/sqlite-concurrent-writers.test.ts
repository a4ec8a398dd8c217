import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { eq } from '../predicate.js';
import { SqliteExecutor } from './sqlite-executor.js';

const dir = mkdtempSync(join(tmpdir(), 'tams-sqlite-writers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('concurrent writers on one file [sqlite]', () => {
  it('lets exactly one of 50 overlapping inserts from 10 separate connections win', async () => {
    const path = join(dir, 'writers.sqlite3');
    const flowId = randomUUID();
    await (await SqliteExecutor.open({ path })).close();
    const barrier = new SharedArrayBuffer(8);
    const workers = Array.from({ length: 10 }, (_, w) => {
      const attempts = Array.from({ length: 5 }, (_, k) => w * 5 + k);
      return new Worker(new URL('./test-support/ts-worker.mjs', import.meta.url), {
        workerData: {
          tsModule: new URL('./overlap-writer.worker.ts', new URL('./test-support/', import.meta.url)).href,
          path,
          flowId,
          attempts,
          barrier,
        },
      });
    });
    const done = workers.map(
      (worker) =>
        new Promise<string[]>((resolve, reject) => {
          worker.once('message', resolve);
          worker.once('error', reject);
        }),
    );
    // Release every writer at once, after each has opened its own connection.
    const gate = new Int32Array(barrier);
    while (Atomics.load(gate, 1) < workers.length) await new Promise((r) => setTimeout(r, 10));
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    const outcomes = (await Promise.all(done)).flat();
    expect(outcomes).toHaveLength(50);
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1);
    expect(outcomes.filter((o) => o !== 'ok').every((o) => o === 'SEGMENT_OVERLAP')).toBe(true);
    const check = await SqliteExecutor.open({ path });
    try {
      expect(await check.count('segments', eq('flow_id', flowId))).toBe(1);
    } finally {
      await check.close();
    }
  });
});
