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
    let buffered = '';
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) acked = Number(line.slice(4));
      // Kill mid-stream, while writes are still being made.
      if (acked >= 300 && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    // Read to the end: every ack the writer got out before it died counts, however far it had run ahead
    // of this reader when the signal landed.
    const [signal] = await Promise.all([
      new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, s) => resolve(s))),
      new Promise<void>((resolve) => child.stdout.once('close', () => resolve())),
    ]);
    expect(signal, `the writer died of itself: ${stderr}`).toBe('SIGKILL');

    const db = new Database(path, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    const executor = await SqliteExecutor.open({ path });
    try {
      const stored = await executor.count('segments', eq('flow_id', flowId));
      // Everything acknowledged is there. Writes made after the last ack that reached this process may
      // have committed too (an ack still in the writer's buffer dies with it): stored rows are exactly
      // the writer's first ones, in order, with no hole and nothing else.
      expect(stored).toBeGreaterThanOrEqual(acked + 1);
      const page = await executor.select({
        table: 'segments',
        columns: ['object_id'],
        where: eq('flow_id', flowId),
        orderBy: [{ column: 'timerange' }],
        limit: stored + 1,
      });
      expect(page.rows.map((r) => r.object_id)).toEqual(Array.from({ length: stored }, (_, i) => `ack-${i}`));
    } finally {
      await executor.close();
    }
  });
});
