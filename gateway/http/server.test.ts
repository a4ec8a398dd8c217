import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { Metrics } from '../metrics.js';
import { readBody } from './read-body.js';
import { exact, HttpServer } from './server.js';

describe('the HTTP server under slow clients', () => {
  const server = new HttpServer(createLogger('silent'), new Metrics('test'), {
    idleMs: 300,
    headersMs: 1_000,
  });
  let port: number;
  let bodies = 0;
  beforeAll(async () => {
    port = (await server.listen('127.0.0.1', 0)).port;
    server.use([
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
    ]);
  });
  afterAll(() => server.close(0));

  /** Sends `text` and then nothing; resolves when the server closes the connection. */
  const stall = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(text));
      socket.on('data', () => undefined);
      socket.on('error', reject);
      socket.on('close', () => resolve());
      setTimeout(() => reject(new Error('the server kept the stalled connection open')), 10_000).unref();
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
      const socket = connect(port, '127.0.0.1', () =>
        socket.write('POST /deadline HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n'),
      );
      // One byte every 100 ms: never idle for the 300 ms idle timeout, never done either.
      const trickle = setInterval(() => socket.write('x'), 100);
      socket.on('data', (d: Buffer) => (received += d.toString()));
      socket.on('error', reject);
      socket.on('close', () => {
        clearInterval(trickle);
        resolve(received);
      });
      setTimeout(() => reject(new Error('the trickling client was never cut off')), 10_000).unref();
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toMatch(/connection: close/i);
    expect(answer).toContain('"type":"RequestTimeout"');
  });

  it('serves a client that keeps sending', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/echo`, { method: 'POST', body: 'hello' });
    expect(await response.text()).toBe('hello');
  });
});
