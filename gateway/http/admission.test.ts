import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../lib/test-support/eventually.js';
import { createLogger } from '../logger.js';
import { Metrics } from '../metrics.js';
import { Admission, LAG_SHEDS_FROM_IN_FLIGHT } from './admission.js';
import { sendError } from './errors.js';
import type { Route } from './server.js';
import { exact, HttpServer } from './server.js';

describe('admission control on the HTTP server', () => {
  const metrics = new Metrics('test');
  const server = new HttpServer(
    createLogger('silent'),
    metrics,
    {},
    {
      maxInFlight: 2,
      maxEventLoopLagMs: 0,
      retryAfterSeconds: 7,
    },
  );
  let base: string;
  /** Requests to /held wait here until the test lets them go. */
  const held: (() => void)[] = [];
  const routes: Route[] = [
    {
      name: 'held',
      matches: exact('/held'),
      handle: async (_req, res) => {
        await new Promise<void>((resolve) => held.push(resolve));
        res.end('done');
      },
    },
    { name: 'rest', matches: exact('/flows'), handle: (_req, res) => void res.end('[]') },
    { name: 'graphql', matches: exact('/graphql'), handle: (_req, res) => void res.end('{}') },
    {
      name: 'down',
      matches: exact('/down'),
      handle: (_req, res) => sendError(res, 503, 'SERVICE_UNAVAILABLE', 'the database is down'),
    },
    {
      name: 'down-explicit',
      matches: exact('/down-explicit'),
      handle: (_req, res) => {
        res.setHeader('retry-after', '30');
        res.statusCode = 503;
        res.end('{}');
      },
    },
    { name: 'health', matches: exact('/health'), handle: (_req, res) => void res.end('ok') },
    { name: 'ready', matches: exact('/ready'), handle: (_req, res) => void res.end('ok') },
    { name: 'metrics', matches: exact('/metrics'), handle: (_req, res) => void res.end('ok') },
  ];
  beforeAll(async () => {
    const { port } = await server.listen('127.0.0.1', 0);
    base = `http://127.0.0.1:${port}`;
    server.use(routes);
  });
  afterAll(() => server.close(0));

  const rejected = async (reason: string) =>
    (await metrics.httpRejected.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

  it('refuses past the bound with 503, Retry-After and an error body per transport, and admits again once requests finish', async () => {
    const first = fetch(`${base}/held`);
    const second = fetch(`${base}/held`);
    await eventually(() => held.length === 2, 'two requests held in flight');
    expect(server.admission.inFlight).toBe(2);

    const rest = await fetch(`${base}/flows`, { method: 'POST', body: '{"a":1}' });
    expect(rest.status).toBe(503);
    expect(rest.headers.get('retry-after')).toBe('7');
    expect(await rest.json()).toMatchObject({ type: 'OVERLOADED' });

    const graphql = await fetch(`${base}/graphql`, { method: 'POST', body: '{"query":"{a}"}' });
    expect(graphql.status).toBe(503);
    expect(graphql.headers.get('retry-after')).toBe('7');
    expect(await graphql.json()).toMatchObject({ errors: [{ extensions: { code: 'OVERLOADED' } }] });

    for (const path of ['/health', '/ready', '/metrics'])
      expect((await fetch(`${base}${path}`)).status, path).toBe(200);
    expect(await rejected('in_flight')).toBe(2);

    held.splice(0).forEach((release) => release());
    expect(await (await first).text()).toBe('done');
    expect(await (await second).text()).toBe('done');
    await eventually(() => server.admission.inFlight === 0, 'the held requests to be released');
    expect((await fetch(`${base}/flows`)).status).toBe(200);
    expect(server.admission.inFlight).toBe(0);
  });

  it('gives every 503 a route answers a Retry-After, keeping one the route set', async () => {
    const down = await fetch(`${base}/down`);
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('7');
    expect((await fetch(`${base}/down-explicit`)).headers.get('retry-after')).toBe('30');
    expect((await fetch(`${base}/flows`)).headers.get('retry-after')).toBeNull();
  });

  it('exposes the requests in flight and the refusals in /metrics', async () => {
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/tams_http_rejected_total\{reason="in_flight",role="test"\} 2/);
    expect(text).toMatch(/tams_http_in_flight\{role="test"\} 0/);
  });
});

describe('admission by event-loop lag', () => {
  const limits = { maxInFlight: 0, maxEventLoopLagMs: 50, retryAfterSeconds: 1 };

  it('serves what queued behind one long task, however long', () => {
    const admission = new Admission(limits);
    admission.observeLag(60_000); // one sample after a minute-long synchronous task
    expect(admission.admit()).toBeNull();
    admission.release();
  });

  /** Admits `n` requests, each of which must be admitted. */
  const admitMany = (admission: Admission, n: number) => {
    for (let i = 0; i < n; i++) expect(admission.admit()).toBeNull();
  };

  it('refuses while the loop stays late under load, and admits again once it runs freely', () => {
    const admission = new Admission(limits);
    admitMany(admission, LAG_SHEDS_FROM_IN_FLIGHT);
    admission.observeLag(150);
    admission.observeLag(150);
    expect(admission.admit()).toBe('event_loop_lag');
    while (admission.admit() !== null) admission.observeLag(0);
    for (let i = 0; i <= LAG_SHEDS_FROM_IN_FLIGHT; i++) admission.release();
    expect(admission.inFlight).toBe(0);
  });

  it('admits the few requests of a loop that is late for another reason (nothing to shed)', () => {
    const admission = new Admission(limits);
    for (let i = 0; i < 10; i++) admission.observeLag(150); // a starved machine, a long background task
    admitMany(admission, LAG_SHEDS_FROM_IN_FLIGHT);
    expect(admission.admit()).toBe('event_loop_lag');
    for (let i = 0; i < LAG_SHEDS_FROM_IN_FLIGHT; i++) admission.release();
    expect(admission.inFlight).toBe(0);
  });

  it('samples the loop itself: a blocked loop shows as lag', async () => {
    const admission = new Admission(limits);
    admission.start();
    try {
      const until = Date.now() + 300;
      while (Date.now() < until); // a synchronous task holding the loop, as a big SQLite query does
      await eventually(() => admission.eventLoopLagMs > 0, 'a lag sample after the blocked loop');
    } finally {
      admission.stop();
    }
  });
});
