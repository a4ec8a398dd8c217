import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Metrics } from '../metrics.js';
import { readBody } from './read-body.js';
import { exact, HttpServer } from './server.js';
import { captureLog, LEVEL } from './test-support/log-capture.js';
import type { LogLine } from './test-support/log-capture.js';
import { RawConnection } from './test-support/raw-http.js';

/**
 * A client that hangs up is not a server failure: its request is logged at debug, without a stack, with
 * its request id and route (and the access log says it was aborted); a genuine failure stays an error
 * with its cause.
 */

const capture = captureLog('debug');
const server = new HttpServer(capture.log, new Metrics('test'));
let port: number;

beforeAll(async () => {
  port = (await server.listen('127.0.0.1', 0)).port;
  server.use([
    {
      name: 'echo',
      matches: exact('/echo'),
      handle: async (req, res) => void res.end(await readBody(req, 1 << 20)),
    },
    {
      // An endless download; the pipeline's failure is passed on as a careless handler would.
      name: 'stream',
      matches: exact('/stream'),
      handle: async (_req, res) => {
        const chunk = Buffer.alloc(64 * 1024, 'x');
        function* endless() {
          for (;;) yield chunk;
        }
        res.writeHead(200, { 'content-length': String(1 << 30) });
        await pipeline(Readable.from(endless()), res);
      },
    },
    {
      name: 'boom',
      matches: exact('/boom'),
      handle: () => {
        throw new Error('boom: a bug in a handler');
      },
    },
  ]);
});
afterAll(() => server.close(0));

/** Resolves when the server has dispatched the request with this id (its headers are in). */
const dispatched = (requestId: string) =>
  new Promise<void>((resolve) => {
    const seen = (req: { headers: Record<string, unknown> }) => {
      if (req.headers['x-request-id'] !== requestId) return;
      server.server.off('request', seen);
      resolve();
    };
    server.server.on('request', seen);
  });

const accessLine = (requestId: string) => (l: LogLine) => l.msg === 'request' && l.requestId === requestId;
const linesOf = (requestId: string) => capture.lines.filter((l) => l.requestId === requestId);

function expectQuietDisconnect(requestId: string, route: string) {
  const lines = linesOf(requestId);
  expect(lines.filter((l) => l.level >= LEVEL.warn)).toEqual([]);
  expect(JSON.stringify(lines)).not.toContain('stack');
  const debug = lines.find((l) => l.level === LEVEL.debug);
  expect(debug).toMatchObject({ route, reason: expect.any(String) as unknown });
}

describe('client disconnects', () => {
  it('logs an upload the client abandoned mid-body at debug, without a stack', async () => {
    const connection = await RawConnection.open(port);
    connection.write(
      'POST /echo HTTP/1.1\r\nhost: x\r\nx-request-id: abort-upload\r\ncontent-length: 100\r\n\r\n0123456789',
    );
    await dispatched('abort-upload');
    connection.socket.resetAndDestroy();
    const access = await capture.waitFor(accessLine('abort-upload'));
    expect(access).toMatchObject({ level: LEVEL.info, status: 499, aborted: true });
    expectQuietDisconnect('abort-upload', 'echo');
    expect(linesOf('abort-upload').find((l) => l.level === LEVEL.debug)?.reason).toBe('ECONNRESET');
  });

  it('logs a download the client abandoned mid-response at debug, without a stack', async () => {
    const connection = await RawConnection.open(port);
    connection.write('GET /stream HTTP/1.1\r\nhost: x\r\nx-request-id: abort-download\r\n\r\n');
    await new Promise<void>((resolve) => connection.socket.once('data', () => resolve()));
    connection.socket.resetAndDestroy();
    const access = await capture.waitFor(accessLine('abort-download'));
    // The status was sent before the client left.
    expect(access).toMatchObject({ level: LEVEL.info, status: 200, aborted: true });
    expectQuietDisconnect('abort-download', 'stream');
  });

  it('keeps a genuine failure an error, with its cause', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/boom`, { headers: { 'x-request-id': 'genuine' } });
    expect(response.status).toBe(500);
    const error = await capture.waitFor((l) => l.requestId === 'genuine' && l.level === LEVEL.error);
    expect((error.err as { stack: string }).stack).toContain('boom: a bug in a handler');
  });
});
