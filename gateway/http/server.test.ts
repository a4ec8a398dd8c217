import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { Metrics } from '../metrics.js';
import { readBody } from './read-body.js';
import { WAIT_LIMIT_MS } from '../../lib/test-support/eventually.js';
import type { Route } from './server.js';
import { exact, HttpServer } from './server.js';

/**
 * Each test here checks that a deadline fires (or does not get in the way), never how long anything
 * took: the deadlines are short so that the tests are quick, and every other limit of the server a test
 * uses is far away, so that a stalled test process cannot make another limit fire first.
 */
describe('the HTTP server under slow clients', () => {
  /** Cuts idle sockets after 300 ms, unfinished headers after 1 s. */
  const strict = new HttpServer(createLogger('silent'), new Metrics('test'), {
    idleMs: 300,
    headersMs: 1_000,
  });
  /** Cuts nothing within any test's lifetime: only a route's own body deadline can end a request. */
  const patient = new HttpServer(createLogger('silent'), new Metrics('test'), {
    idleMs: 600_000,
    headersMs: 600_000,
  });
  let strictPort: number;
  let patientPort: number;
  let bodies = 0;
  const routes: Route[] = [
    {
      name: 'echo',
      matches: exact('/echo'),
      handle: async (req, res) => {
        const body = await readBody(req, 1024);
        bodies++;
        res.end(body);
      },
    },
    {
      name: 'deadline',
      matches: exact('/deadline'),
      handle: async (req, res) => {
        res.end(await readBody(req, 1024, 400));
      },
    },
  ];
  beforeAll(async () => {
    strictPort = (await strict.listen('127.0.0.1', 0)).port;
    patientPort = (await patient.listen('127.0.0.1', 0)).port;
    strict.use(routes);
    patient.use(routes);
  });
  afterAll(async () => {
    await strict.close(0);
    await patient.close(0);
  });

  /** Sends `text` and then nothing; resolves when the server closes the connection. */
  const stall = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const socket = connect(strictPort, '127.0.0.1', () => socket.write(text));
      socket.on('data', () => undefined);
      socket.on('error', reject);
      socket.on('close', () => resolve());
      setTimeout(
        () => reject(new Error('the server kept the stalled connection open')),
        WAIT_LIMIT_MS,
      ).unref();
    });

  it('drops a client that stops in the middle of a body', async () => {
    await stall('POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n0123456789');
    expect(bodies).toBe(0);
  });

  it('drops a client that never finishes its headers', async () => {
    await stall('POST /echo HTTP/1.1\r\nhost: x\r\n');
  });

  it('answers 408 and closes the connection when a body trickles in past its deadline', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      let received = '';
      const socket = connect(patientPort, '127.0.0.1', () =>
        socket.write('POST /deadline HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\n'),
      );
      // One byte every 100 ms at most: never idle, and at least 100 s from done, long after the
      // 400 ms deadline whatever the machine's load.
      const trickle = setInterval(() => socket.write('x'), 100);
      socket.on('data', (d: Buffer) => (received += d.toString()));
      socket.on('error', reject);
      socket.on('close', () => {
        clearInterval(trickle);
        resolve(received);
      });
      setTimeout(() => reject(new Error('the trickling client was never cut off')), WAIT_LIMIT_MS).unref();
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toMatch(/connection: close/i);
    expect(answer).toContain('"type":"REQUEST_TIMEOUT"');
  });

  it('serves a client that keeps sending', async () => {
    const response = await fetch(`http://127.0.0.1:${patientPort}/echo`, { method: 'POST', body: 'hello' });
    expect(await response.text()).toBe('hello');
  });
});
