import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoleProcess } from '../../loadtest/stress/deployment.js';
import { startSideBySide, stopProcess } from '../../loadtest/stress/deployment.js';
import type { TestDatabase } from '../../lib/executor/test-support/postgres-test-database.js';
import { createTestDatabase } from '../../lib/executor/test-support/postgres-test-database.js';
import { eventually, WAIT_LIMIT_MS } from '../../lib/test-support/eventually.js';
import { freePort } from '../../lib/test-support/free-port.js';
import { bearer, createToken } from '../support/admin-token.js';

/**
 * Distributed mode with the media process stopped (SIGSTOP: alive, its port still accepting, nothing
 * answered), as a hung process looks to the gateway: requests that need it are answered 503 +
 * Retry-After once TAMS_SUBGRAPH_TIMEOUT_MS has passed, over REST, GraphQL and the export proxy, and the
 * store answers again once the process continues (SIGCONT). Nothing here is timed: "answered" means the
 * request returned within the test's own limit.
 */

/** Short for the test, yet above what a request takes on a busy machine; the checks of a working store retry anyway. */
const DEADLINE_MS = 2000;
let db: TestDatabase;
let dir: string;
const roles: RoleProcess[] = [];
let gateway: RoleProcess;
let media: RoleProcess;
let headers: Record<string, string>;

beforeAll(async () => {
  db = await createTestDatabase('tams_hung');
  dir = mkdtempSync(join(tmpdir(), 'tams-hung-'));
  const shared = {
    TAMS_DATABASE_URL: db.url,
    TAMS_DATA_DIR: dir,
    TAMS_INTERNAL_SECRET: randomBytes(24).toString('hex'),
  };
  const [mediaPort, analyticsPort] = await Promise.all([freePort(), freePort()]);
  ({ media, gateway } = await startSideBySide(
    shared,
    { media: mediaPort, analytics: analyticsPort },
    { TAMS_SUBGRAPH_TIMEOUT_MS: String(DEADLINE_MS) },
    roles,
  ));
  headers = bearer(
    await createToken({ kind: 'postgres', url: db.url, poolSize: 1, statementTimeoutMs: 30_000 }),
  );
}, 4 * WAIT_LIMIT_MS);

afterAll(async () => {
  // A stopped process handles SIGTERM only once it runs again.
  if (media) process.kill(media.pid, 'SIGCONT');
  await Promise.all(roles.map((p) => stopProcess(p)));
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const rest = (path: string) => fetch(`${gateway.url}${path}`, { headers });
const graphql = () =>
  fetch(`${gateway.url}/graphql`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ flows(limit: 1) { nodes { id } } }' }),
  });

describe('a hung subgraph process (SIGSTOP) in distributed mode', () => {
  it(
    'is answered 503 + Retry-After at the fetch deadline over REST, GraphQL and exports, and recovers after SIGCONT',
    async () => {
      await eventually(async () => (await rest('/flows')).status === 200, 'REST answered');
      await eventually(async () => (await graphql()).status === 200, 'GraphQL answered');

      process.kill(media.pid, 'SIGSTOP');
      try {
        const flows = await rest('/flows');
        expect(flows.status).toBe(503);
        expect(flows.headers.get('retry-after')).toMatch(/^\d+$/);
        expect(await flows.json()).toMatchObject({ type: 'SERVICE_UNAVAILABLE' });

        const query = await graphql();
        expect(query.status).toBe(503);
        expect(query.headers.get('retry-after')).toMatch(/^\d+$/);
        expect(await query.json()).toMatchObject({
          errors: [{ extensions: { code: 'SERVICE_UNAVAILABLE' } }],
        });

        const exported = await rest(`/export/flows/${randomUUID()}/segments`);
        expect(exported.status).toBe(503);
        expect(exported.headers.get('retry-after')).toMatch(/^\d+$/);
        expect(await exported.json()).toMatchObject({ type: 'SERVICE_UNAVAILABLE' });

        // Readiness names the stopped part (its probe aborted, not left open).
        const ready = await fetch(`${gateway.url}/ready`);
        expect(ready.status).toBe(503);
        expect(JSON.stringify(await ready.json())).toContain('subgraph media');
      } finally {
        process.kill(media.pid, 'SIGCONT');
      }

      await eventually(async () => (await rest('/flows')).status === 200, 'REST answered again');
      await eventually(async () => (await graphql()).status === 200, 'GraphQL answered again');
      expect(gateway.child.exitCode).toBeNull();
    },
    4 * WAIT_LIMIT_MS,
  );
});
