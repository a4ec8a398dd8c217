import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/logger.js';
import { startService } from '../../gateway/service.js';
import { loadConfig } from '../../lib/config/config.js';
import { bearer, createToken } from '../support/admin-token.js';
import { flowBody, startLoad, summarize } from '../support/keep-alive-load.js';
import { spawnServe } from '../support/serve-process.js';

/**
 * Issue 10 §5 as an operator meets it: `tams serve` in its own process, SIGTERM'd while keep-alive
 * clients send REST and GraphQL reads and writes. It must exit 0 after answering what it accepted (no
 * connection reset), with every acknowledged write there after a restart. NODE_ENV is production, as in a
 * deployment: libraries that act on signals outside tests (Apollo Server does) are part of what is tested.
 */

const dir = mkdtempSync(join(tmpdir(), 'tams-drain-process-'));
const env = {
  TAMS_DATA_DIR: dir,
  TAMS_PORT: '0',
  TAMS_LOG_LEVEL: 'info',
  TAMS_SHUTDOWN_TIMEOUT_MS: '120000',
  NODE_ENV: 'production',
};
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CLIENTS = 16;
const REQUESTS = 640;

describe('tams serve stopped with SIGTERM under load', () => {
  it('drains, exits 0, resets nothing and keeps every acknowledged write', { timeout: 120_000 }, async () => {
    const config = loadConfig(env);
    const headers = bearer(await createToken(config.database));
    const server = await spawnServe(env);

    const knownFlows: string[] = [];
    for (let i = 0; i < 4; i++) {
      const id = randomUUID();
      const put = await fetch(`${server.url}/flows/${id}`, {
        method: 'PUT',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(flowBody(id, randomUUID())),
      });
      expect(put.status).toBe(201);
      knownFlows.push(id);
    }

    let signalled = false;
    const load = startLoad({
      url: server.url,
      headers,
      clients: CLIENTS,
      requests: REQUESTS,
      knownFlows,
      onOutcome(done) {
        if (signalled || done < REQUESTS / 2) return;
        signalled = true;
        load.markShutdown();
        server.child.kill('SIGTERM');
      },
    });
    const outcomes = await load.done;
    const exit = await server.exited;
    expect(exit, server.output()).toEqual({ code: 0, signal: null });

    const summary = summarize(outcomes);
    expect(outcomes.filter((o) => o.failure === 'reset' || o.failure === 'other')).toEqual([]);
    expect(summary.serverErrors).toBe(0);
    expect(summary.unavailableWithRetryAfter).toBe(summary.unavailable503);
    expect(summary.acknowledgedWrites).toBeGreaterThan(0);
    // The stop was orderly: logged, and nothing logged as a failure on the way.
    const log = server.output();
    expect(log).toContain('stopping: draining connections');
    expect(log).not.toMatch(/"level":50/);

    // Restarted on the same data directory (in this process: the data is what matters here).
    const restarted = await startService(config, 'embedded', {
      log: createLogger('silent'),
      version: 'test',
    });
    try {
      const missing: string[] = [];
      for (const o of outcomes)
        if (o.acknowledgedFlow) {
          const response = await fetch(`${restarted.url}/flows/${o.acknowledgedFlow}`, { headers });
          await response.arrayBuffer();
          if (response.status !== 200) missing.push(o.acknowledgedFlow);
        }
      expect(missing).toEqual([]);
    } finally {
      await restarted.close();
    }
  });
});
