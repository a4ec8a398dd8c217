import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createLogger } from '../../gateway/logger.js';
import type { RunningService } from '../../gateway/service.js';
import { startService } from '../../gateway/service.js';
import { loadConfig } from '../../lib/config/config.js';
import { bearer, createToken } from '../support/admin-token.js';
import { hostileString } from '../hostile-input/hostile-values.js';
import { untilActiveSubscriptions } from '../support/metrics.js';
import { eventually } from '../../lib/test-support/eventually.js';

/**
 * Hostile graphql-ws traffic from an authenticated client: broken frames, protocol messages of the
 * wrong shape or order, hostile documents and variables, oversized messages. Each session must end in
 * a protocol answer (a GraphQL error with a code, or a 44xx/1009 close), never an internal error
 * (4500, 1011, an error in the server log) or a dropped connection, and the server must stay healthy
 * with nothing left open.
 */

const SEED = Number(process.env.TAMS_HOSTILE_SEED ?? 0x5ab5c41b);
const SESSIONS = 400;
const dir = mkdtempSync(join(tmpdir(), 'tams-ws-hostile-'));
let service: RunningService;
let wsUrl: string;
let auth: Record<string, string>;
/** Errors the server logged: a client's mistake is never one. */
const errorLogs: string[] = [];

beforeAll(async () => {
  const config = loadConfig({ TAMS_DATA_DIR: dir, TAMS_PORT: '0' });
  service = await startService(config, 'embedded', {
    log: createLogger('error', { write: (line: string) => void errorLogs.push(line) }),
    version: 'test',
  });
  wsUrl = service.graphqlUrl.replace(/^http/, 'ws');
  auth = bearer(await createToken(config.database));
});
afterAll(async () => {
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

const json = (v: unknown) => JSON.stringify(v);
const anyJson = fc.jsonValue({ maxDepth: 4 });
const query = fc.oneof(
  hostileString,
  fc.constantFrom(
    'subscription { flowUpdated(id: "x") { id } }',
    'subscription($id: ID!) { flowUpdated(id: $id) { id stats { segmentCount } } }',
    'subscription { sourceUpdated(id: "00000000-0000-4000-8000-000000000000") { id label } }',
    `subscription { flowUpdated(id: ${'['.repeat(50)}1${']'.repeat(50)}) { id } }`,
    `subscription { flowUpdated(id: "a") { ${'source { id '.repeat(40)}${'}'.repeat(40)} } }`,
    'subscription { flowUpdated(id: 1e400) { id } }',
    '{ flows(limit: 1) { nodes { id } } }',
    'query A { service { name } } query B { service { name } }',
  ),
);
const subscribe = fc.record({
  id: fc.oneof(fc.string(), fc.constant('1'), fc.integer() as fc.Arbitrary<unknown>),
  type: fc.constant('subscribe'),
  payload: fc.oneof(
    fc.record({
      query,
      variables: fc.oneof(fc.constant(undefined), fc.dictionary(fc.string(), anyJson), anyJson),
      operationName: fc.oneof(fc.constant(undefined), hostileString, fc.constant(null)),
      extensions: fc.oneof(fc.constant(undefined), anyJson),
    }),
    anyJson,
  ),
});

/** One message after connection_ack: what a hostile client may send. */
const message: fc.Arbitrary<string | Buffer> = fc.oneof(
  { weight: 6, arbitrary: subscribe.map(json) },
  { weight: 2, arbitrary: hostileString },
  { weight: 2, arbitrary: anyJson.map(json) },
  {
    weight: 2,
    arbitrary: fc
      .record({
        type: fc.constantFrom(
          'connection_init',
          'complete',
          'ping',
          'pong',
          'next',
          'error',
          'subscribe',
          'x',
        ),
        id: fc.oneof(fc.constant(undefined), fc.string()),
        payload: fc.oneof(fc.constant(undefined), anyJson),
      })
      .map(json),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)) },
  // Over the 1 MiB message limit: the socket is closed with 1009.
  {
    weight: 1,
    arbitrary: fc.constant(json({ id: 'big', type: 'subscribe', payload: { query: 'x'.repeat(1_100_000) } })),
  },
);

interface Outcome {
  readonly sent: string;
  readonly received: { type: string; payload?: unknown }[];
  readonly close: { code: number; reason: string } | null;
}

/** Connects, waits for the ack, sends the messages twice over, and collects what comes back for a while. */
async function session(messages: (string | Buffer)[]): Promise<Outcome> {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
  const received: { type: string; payload?: unknown }[] = [];
  let close: Outcome['close'] = null;
  const closed = new Promise<void>((resolve) =>
    socket.on('close', (code, reason) => {
      close = { code, reason: reason.toString() };
      resolve();
    }),
  );
  socket.on('message', (data: Buffer) => received.push(JSON.parse(data.toString()) as { type: string }));
  socket.on('error', () => undefined); // the close event reports it
  await new Promise<void>((resolve) => socket.once('open', () => resolve()));
  socket.send(json({ type: 'connection_init', payload: auth }));
  await eventually(
    () => close !== null || received.some((m) => m.type === 'connection_ack'),
    'connection_ack or a close',
  );
  for (const m of messages) if (socket.readyState === WebSocket.OPEN) socket.send(m);
  // A window for the answers, then our own close: problems() judges what came, and a slow answer that
  // misses the window is not a failure (the final checks catch what a session leaves behind).
  await Promise.race([closed, new Promise((r) => setTimeout(r, 150))]);
  socket.close();
  await closed;
  return { sent: messages.map((m) => m.toString().slice(0, 160)).join(' | '), received, close };
}

function problems({ received, close }: Outcome): string[] {
  const found: string[] = [];
  // Our own close at the end is 1005 (no code) or 1000; protocol refusals are 44xx; 1009 is too big.
  if (close && ![1000, 1005, 1009].includes(close.code) && !(close.code >= 4400 && close.code < 4500))
    found.push(`closed with ${close.code} ${close.reason}`);
  for (const m of received) {
    const errors =
      m.type === 'error'
        ? (m.payload as unknown[])
        : m.type === 'next'
          ? ((m.payload as { errors?: unknown[] }).errors ?? [])
          : [];
    for (const e of errors as { extensions?: { code?: unknown }; message?: unknown }[]) {
      if (typeof e.extensions?.code !== 'string')
        found.push(`an error without a code: ${json(e).slice(0, 200)}`);
      else if (e.extensions.code === 'INTERNAL_SERVER_ERROR')
        found.push(`an internal error: ${json(e).slice(0, 200)}`);
      if (/\n\s+at |node_modules|\.ts:\d/.test(json(e)))
        found.push(`an error with a stack: ${json(e).slice(0, 200)}`);
    }
  }
  return found;
}

describe('hostile graphql-ws traffic', () => {
  it(
    'gets protocol answers only, and leaves the server healthy with nothing open',
    // A hang guard: 405 sessions take seconds, or minutes on a machine busy with other suites.
    { timeout: 600_000 },
    async () => {
      const sessions: (string | Buffer)[][] = [
        // Always among them: messages only a server may send, a binary frame, a frame over 1 MiB.
        [json({ id: '1', type: 'next', payload: { data: null } })],
        [json({ type: 'connection_ack' })],
        [json({ id: '1', type: 'error', payload: [{ message: 'x' }] })],
        [Buffer.from([0, 1, 2])],
        [json({ id: 'big', type: 'subscribe', payload: { query: 'x'.repeat(1_100_000) } })],
        ...fc.sample(fc.array(message, { minLength: 1, maxLength: 3 }), { seed: SEED, numRuns: SESSIONS }),
      ];
      const failures: string[] = [];
      // A few at a time: enough to overlap, not enough to measure the machine.
      for (let i = 0; i < sessions.length; i += 8) {
        const outcomes = await Promise.all(sessions.slice(i, i + 8).map(session));
        for (const outcome of outcomes)
          for (const problem of problems(outcome)) failures.push(`${problem}\n    after: ${outcome.sent}`);
      }
      expect(failures.slice(0, 20).join('\n'), `${failures.length} of ${sessions.length} sessions`).toBe('');
      expect(errorLogs.slice(0, 5)).toEqual([]);
      expect((await fetch(`${service.url}/health`)).status).toBe(200);
      await untilActiveSubscriptions(service.url, 0);
    },
  );
});
