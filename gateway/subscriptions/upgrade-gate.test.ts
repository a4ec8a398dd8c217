import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { eventually } from '../../lib/test-support/eventually.js';
import { exact, HttpServer } from '../http/server.js';
import { createLogger } from '../logger.js';
import { Metrics } from '../metrics.js';
import { upgradeGate } from './upgrade-gate.js';

/**
 * WebSocket upgrades under admission control: the HTTP server's bounds (requests in flight, event-loop
 * lag) refuse an upgrade before its handshake, as they refuse a request. The lag is set through
 * Admission's own sample input with the sampling timer stopped, so nothing here depends on timing.
 */
describe('graphql-ws upgrades under admission control', () => {
  const metrics = new Metrics('test');
  const server = new HttpServer(
    createLogger('silent'),
    metrics,
    {},
    { maxInFlight: 1, maxEventLoopLagMs: 100, retryAfterSeconds: 3 },
  );
  const wss = new WebSocketServer({
    server: server.server,
    path: '/graphql',
    verifyClient: upgradeGate(() => server.upgradeRefusal()),
  });
  let base: string;
  const held: (() => void)[] = [];

  beforeAll(async () => {
    const { port } = await server.listen('127.0.0.1', 0);
    // The lag is fed by the test alone (observeLag), not by how late this machine's timers fire.
    server.admission.stop();
    base = `127.0.0.1:${port}`;
    server.use([
      {
        name: 'held',
        matches: exact('/held'),
        handle: async (_req, res) => {
          await new Promise<void>((resolve) => held.push(resolve));
          res.end('done');
        },
      },
    ]);
  });
  afterAll(async () => {
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await server.close(0);
  });

  const rejected = async (reason: string) =>
    (await metrics.httpRejected.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

  /** Opens a WebSocket: 'open' once the handshake completed (then closed again), else the HTTP answer. */
  const upgrade = () =>
    new Promise<'open' | { status: number; retryAfter: string | undefined; body: unknown }>(
      (resolve, reject) => {
        const socket = new WebSocket(`ws://${base}/graphql`, 'graphql-transport-ws');
        socket.once('open', () => {
          socket.close();
          resolve('open');
        });
        socket.once('unexpected-response', (_req, res: IncomingMessage) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              retryAfter: res.headers['retry-after'],
              body: JSON.parse(text) as unknown,
            }),
          );
          res.on('error', reject);
        });
        socket.once('error', (err) => {
          // ws emits an error after unexpected-response only if nobody listened to the latter.
          reject(err);
        });
      },
    );

  const refused = (code: string) => ({
    status: 503,
    retryAfter: '3',
    body: { errors: [{ extensions: { code } }] },
  });

  it('completes the handshake while the process is within its bounds, not counting the socket in flight', async () => {
    expect(await upgrade()).toBe('open');
    expect(server.admission.inFlight).toBe(0);
  });

  it('refuses the upgrade with 503 + Retry-After while the event loop lags, and accepts it again after', async () => {
    const before = await rejected('event_loop_lag');
    for (let i = 0; i < 20; i++) server.admission.observeLag(1000);
    expect(await upgrade()).toMatchObject(refused('OVERLOADED'));
    expect(await rejected('event_loop_lag')).toBe(before + 1);

    for (let i = 0; i < 20; i++) server.admission.observeLag(0);
    expect(await upgrade()).toBe('open');
  });

  it('refuses the upgrade while requests in flight are at the bound, and accepts it once they finish', async () => {
    const before = await rejected('in_flight');
    const request = fetch(`http://${base}/held`);
    await eventually(() => held.length === 1, 'a request held in flight');
    expect(await upgrade()).toMatchObject(refused('OVERLOADED'));
    expect(await rejected('in_flight')).toBe(before + 1);

    held.shift()!();
    expect(await (await request).text()).toBe('done');
    await eventually(() => server.admission.inFlight === 0, 'the request released');
    expect(await upgrade()).toBe('open');
  });
});
