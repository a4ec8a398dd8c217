import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { eq } from '../predicate.js';
import { SqliteExecutor } from './sqlite-executor.js';

const dir = mkdtempSync(join(tmpdir(), 'tams-sqlite-durability-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('durability [sqlite]', () => {
  it('keeps every acknowledged write when the writing process is killed with SIGKILL', async () => {
    const path = join(dir, 'durable.sqlite3');
    const flowId = randomUUID();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(new URL('./test-support/ack-writer.ts', import.meta.url)),
        path,
        flowId,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let acked = -1;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    await new Promise<void>((resolve, reject) => {
      let buffered = '';
      child.stdout.on('data', (d: Buffer) => {
        buffered += d.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) acked = Number(line.slice(4));
        // Kill mid-stream, while writes are still being made.
        if (acked >= 300) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.once('exit', () => reject(new Error(`writer exited before it was killed: ${stderr}`)));
    });
    expect(await exited).toBe('SIGKILL');

    const db = new Database(path, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    const executor = await SqliteExecutor.open({ path });
    try {
      const stored = await executor.count('segments', eq('flow_id', flowId));
      // Everything acknowledged is there; at most the one in-flight write may also have committed.
      expect(stored).toBeGreaterThanOrEqual(acked + 1);
      expect(stored).toBeLessThanOrEqual(acked + 2);
      const page = await executor.select({
        table: 'segments',
        columns: ['object_id'],
        where: eq('flow_id', flowId),
        orderBy: [{ column: 'timerange' }],
        limit: acked + 1,
      });
      expect(page.rows.map((r) => r.object_id)).toEqual(
        Array.from({ length: acked + 1 }, (_, i) => `ack-${i}`),
      );
    } finally {
      await executor.close();
    }
  });
});
