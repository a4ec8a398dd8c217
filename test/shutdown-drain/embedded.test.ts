import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RawConnection, get, headWithBody } from '../../gateway/http/test-support/raw-http.js';
import { captureLog, LEVEL } from '../../gateway/http/test-support/log-capture.js';
import { createLogger } from '../../gateway/logger.js';
import type { RunningService } from '../../gateway/service.js';
import { startService } from '../../gateway/service.js';
import { loadConfig } from '../../lib/config/config.js';
import { bearer, createToken } from '../support/admin-token.js';
import type { Outcome } from '../support/keep-alive-load.js';
import { flowBody, startLoad, summarize } from '../support/keep-alive-load.js';
import { WsTestClient } from '../subscriptions/ws-client.js';

/**
 * Issue 10 §5: an embedded store stopped (RunningService.close, what SIGTERM runs) in the middle of a
 * keep-alive load of REST and GraphQL reads and writes. The races are made to happen on purpose besides
 * the load: a GraphQL write held in flight (its body not yet sent) as the drain begins, a request written
 * on an idle keep-alive connection in the same turn as the drain begins, and a live subscription.
 * Nothing sent before the listener closed may be reset; every acknowledged write must survive a restart.
 */

const dir = mkdtempSync(join(tmpdir(), 'tams-drain-'));
const config = loadConfig({
  TAMS_DATA_DIR: dir,
  TAMS_PORT: '0',
  // Never reached here: the drain ends because every connection closed, not because time ran out.
  TAMS_SHUTDOWN_TIMEOUT_MS: '120000',
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CLIENTS = 16;
const REQUESTS = 640;

describe('stopping the embedded store under a keep-alive load', () => {
  it('answers everything it accepted, 503s what arrives during the drain, and loses no acknowledged write', async () => {
    const capture = captureLog('info');
    const service: RunningService = await startService(config, 'embedded', {
      log: capture.log,
      version: 'test',
    });
    const auth = bearer(await createToken(config.database));
    const port = Number(new URL(service.url).port);
    const json = { ...auth, 'content-type': 'application/json' };

    const knownFlows: string[] = [];
    for (let i = 0; i < 4; i++) {
      const id = randomUUID();
      const put = await fetch(`${service.url}/flows/${id}`, {
        method: 'PUT',
        headers: json,
        body: JSON.stringify(flowBody(id, randomUUID())),
      });
      expect(put.status).toBe(201);
      knownFlows.push(id);
    }

    // A live subscription: told 1001 "going away" when the drain begins.
    const subscriber = await WsTestClient.connect(service.graphqlUrl.replace(/^http/, 'ws'), auth);
    expect(await subscriber.initResult()).toBe('ack');
    subscriber.subscribe('1', `subscription($id: ID!) { flowUpdated(id: $id) { id label } }`, {
      id: knownFlows[0],
    });
    await fetch(`${service.url}/flows/${knownFlows[0]}/label`, {
      method: 'PUT',
      headers: json,
      body: JSON.stringify('live'),
    });
    expect((await subscriber.nextOf('1', 1))[0]).toMatchObject({ type: 'next' });

    // A write in flight: dispatched (100 Continue seen), its body still to come.
    const heldFlow = randomUUID();
    const heldBody = JSON.stringify({
      query: 'mutation($id: ID!, $flow: FlowInput!) { putFlow(id: $id, flow: $flow) { created } }',
      variables: {
        id: heldFlow,
        flow: {
          sourceId: randomUUID(),
          format: 'VIDEO',
          codec: 'video/h264',
          container: 'video/mp2t',
          video: { frameWidth: 1280, frameHeight: 720, frameRate: { numerator: 25 } },
        },
      },
    });
    const held = await RawConnection.open(port);
    held.write(headWithBody('POST', '/graphql', Buffer.byteLength(heldBody), json));
    await held.continued;

    // A keep-alive connection that goes idle (its answer received) just before the drain begins.
    const idle = await RawConnection.open(port);
    let stopped: Promise<void> | undefined;
    let idleUsed = false;
    const load = startLoad({
      url: service.url,
      headers: auth,
      clients: CLIENTS,
      requests: REQUESTS,
      knownFlows,
      onOutcome(done) {
        if (idleUsed || done < REQUESTS / 2) return;
        idleUsed = true;
        idle.write(get('/service', auth));
        void idle.next().then((first) => {
          expect(first.headers['connection']).toBe('keep-alive');
          // The next request on the idle connection is on the wire as the drain begins: the server has
          // not read it yet, so the connection still looks idle (the moment a plain close resets it).
          idle.write(get('/service', auth));
          load.markShutdown();
          stopped = service.close();
        });
      },
    });
    const outcomes: Outcome[] = await load.done;
    expect(stopped).toBeDefined();

    // The held write, completed during the drain: answered for real, with Connection: close.
    held.write(heldBody);
    const heldAnswer = await held.next();
    expect(heldAnswer.status).toBe(200);
    expect(heldAnswer.headers['connection']).toBe('close');
    expect(JSON.parse(heldAnswer.body)).toEqual({ data: { putFlow: { created: true } } });
    expect(await held.ended).toBe('end');

    const idleAnswer = await idle.next();
    expect(idleAnswer.status).toBe(503);
    expect(idleAnswer.headers['retry-after']).toBe('1');
    expect(idleAnswer.headers['connection']).toBe('close');
    expect(await idle.ended).toBe('end');

    expect(await subscriber.waitClosed()).toMatchObject({ code: 1001 });
    await stopped;

    const summary = summarize(outcomes);
    expect(summary.requests).toBe(REQUESTS);
    // No request the server accepted was reset; a refused connection only after the listener closed.
    expect(outcomes.filter((o) => o.failure === 'reset' || o.failure === 'other')).toEqual([]);
    expect(outcomes.filter((o) => o.failure === 'refused' && !o.sentAfterShutdown)).toEqual([]);
    expect(summary.serverErrors).toBe(0);
    expect(summary.unavailableWithRetryAfter).toBe(summary.unavailable503);
    expect(summary.answered).toBeGreaterThanOrEqual(REQUESTS / 2);
    expect(summary.acknowledgedWrites).toBeGreaterThan(0);
    // Nothing of the shutdown was logged as a failure.
    expect(capture.lines.filter((l) => l.level >= LEVEL.error)).toEqual([]);

    // Every acknowledged write is there after a restart on the same data directory.
    const restarted = await startService(config, 'embedded', {
      log: createLogger('silent'),
      version: 'test',
    });
    try {
      const acknowledged = [heldFlow, ...outcomes.flatMap((o) => o.acknowledgedFlow ?? [])];
      const missing: string[] = [];
      for (const id of acknowledged) {
        const response = await fetch(`${restarted.url}/flows/${id}`, { headers: auth });
        await response.arrayBuffer();
        if (response.status !== 200) missing.push(id);
      }
      expect(missing).toEqual([]);
    } finally {
      await restarted.close();
    }
  });
});
