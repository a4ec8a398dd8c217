import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiTokens } from '../../gateway/auth/api-tokens.js';
import { Principals } from '../../gateway/auth/principals.js';
import { captureLog, LEVEL } from '../../gateway/http/test-support/log-capture.js';
import type { RunningService } from '../../gateway/service.js';
import { startService } from '../../gateway/service.js';
import { loadConfig } from '../../lib/config/config.js';
import { openExecutor } from '../../lib/executor/index.js';
import { createToken } from '../support/admin-token.js';
import { dropWebhooksTable } from '../support/sabotage.js';
import type { Store, TransportCase } from './cases.js';
import { CASES } from './cases.js';
import { carries, DRIVERS, restOutcome, TRANSPORTS } from './drivers.js';

/**
 * Issue 11: HTTP POST, HTTP GET and graphql-ws enter one operation pipeline, and the REST shim runs its
 * operations through it too; so one table of cases (cases.ts) must come out the same on each of them.
 */

const dir = mkdtempSync(join(tmpdir(), 'tams-transports-'));
const capture = captureLog('debug');
let service: RunningService;
let store: Store;

beforeAll(async () => {
  const config = loadConfig({ TAMS_DATA_DIR: dir, TAMS_PORT: '0' });
  service = await startService(config, 'embedded', { log: capture.log, version: 'test' });
  const admin = await createToken(config.database);
  const executor = await openExecutor(config.database);
  const tokens = new ApiTokens(executor);
  const { principal } = await new Principals(executor).set('transport-reader', ['read']);
  const read = (await tokens.create(principal, ['read'])).token;
  const revoked = await tokens.create(principal, ['read']);
  await tokens.revoke(revoked.info.id);
  await executor.close();
  const rest = (method: string, path: string, body?: string, token = admin) =>
    fetch(`${service.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body } : {}),
    });
  const flow = randomUUID();
  const created = await rest(
    'PUT',
    `/flows/${flow}`,
    JSON.stringify({
      id: flow,
      source_id: randomUUID(),
      format: 'urn:x-nmos:format:video',
      codec: 'video/h264',
      container: 'video/mp2t',
      label: 'transport suite',
      essence_parameters: { frame_width: 1920, frame_height: 1080, frame_rate: { numerator: 25 } },
    }),
  );
  expect(created.status).toBe(201);
  store = {
    url: service.url,
    graphqlUrl: service.graphqlUrl,
    flow,
    tokens: { admin, read, revoked: revoked.token },
    rest,
  };
  // The internal error case: a table disappears under the running store.
  dropWebhooksTable(dir);
});

afterAll(async () => {
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What a case must come out as, in the drivers' terms. */
function expected(c: TransportCase, transport: string) {
  if ('data' in c.expect) return { data: c.expect.data(store), refused: false };
  const { code, refused, status } = c.expect;
  return transport === 'graphql-ws' ? { code, refused } : { code, refused, status };
}

describe.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
  const transports = TRANSPORTS.filter((t) => carries(t, c));

  it.each(transports)('over %s', async (transport) => {
    const outcome = await DRIVERS[transport](store, c);
    const { status, ...rest } = outcome;
    const want = expected(c, transport);
    if ('status' in want) expect({ ...rest, status }).toEqual(want);
    else expect(rest).toEqual(want);
    if ('data' in c.expect && transport !== 'graphql-ws') expect(status).toBe(200);
  });

  if (c.rest)
    it('through its REST route', async () => {
      const { status, body } = await restOutcome(store, c);
      expect(status).toBe(c.rest!.status);
      if (c.rest!.type) expect(body).toMatchObject({ type: c.rest!.type });
      else if (status === 200) expect(body).toMatchObject({ id: store.flow, label: 'transport suite' });
    });
});

describe('an internal error on every transport', () => {
  it('is logged once per request, with its cause', async () => {
    const before = capture.lines.length;
    for (const transport of TRANSPORTS)
      await DRIVERS[transport](
        store,
        CASES.find((c) => c.name === 'an internal error')!,
      );
    await restOutcome(
      store,
      CASES.find((c) => c.name === 'an internal error')!,
    );
    const lines = capture.lines
      .slice(before)
      .filter((l) => l.level >= LEVEL.error && /no such table: webhooks/.test(JSON.stringify(l['err'])))
      // The webhook dispatcher's background rounds hit the dropped table too, whenever they run; they
      // belong to no request (no requestId), so only request-bound lines are counted.
      .filter((l) => l['requestId'] !== undefined);
    expect(lines.map((l) => l.msg)).toEqual(Array(4).fill('internal error in a GraphQL operation'));
    expect(new Set(lines.map((l) => l['requestId'])).size).toBe(4);
  });
});
