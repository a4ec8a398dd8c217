import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Metrics } from '../metrics.js';
import { deferred } from '../subscriptions/test-support/deferred.js';
import { readBody } from './read-body.js';
import { exact, HttpServer } from './server.js';
import { captureLog } from './test-support/log-capture.js';
import { get, RawConnection } from './test-support/raw-http.js';

/**
 * The HTTP server's drain (connection-drain.ts) over real sockets, each race made to happen on purpose:
 * requests are held in flight by a gate the test opens, and bytes are written at chosen moments relative
 * to the start of the drain. `ended` tells an orderly close (FIN: 'end') from a reset (ECONNRESET).
 */

const LONG = 60_000;
const servers: HttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close(0)));
});

async function start(options: { keepAliveMs?: number } = {}) {
  const capture = captureLog('debug');
  const server = new HttpServer(capture.log, new Metrics('test'), options);
  servers.push(server);
  const port = (await server.listen('127.0.0.1', 0)).port;
  const gate = deferred<void>();
  const entered = deferred<void>();
  let dispatched = 0;
  const dispatchWaiters: { n: number; resolve: () => void }[] = [];
  server.server.on('request', () => {
    dispatched++;
    for (const w of dispatchWaiters.filter((w) => dispatched >= w.n)) w.resolve();
  });
  server.use([
    {
      name: 'hold',
      matches: exact('/hold'),
      handle: async (_req, res) => {
        entered.resolve();
        await gate.promise;
        res.end('held');
      },
    },
    { name: 'fast', matches: exact('/fast'), handle: (_req, res) => void res.end('fast') },
    {
      name: 'echo',
      matches: exact('/echo'),
      handle: async (req, res) => void res.end(await readBody(req, 1024)),
    },
  ]);
  return {
    server,
    port,
    capture,
    gate,
    entered: entered.promise,
    /** Resolves once the server has dispatched `n` requests in all. */
    dispatched: (n: number) =>
      new Promise<void>((resolve) => {
        if (dispatched >= n) resolve();
        else dispatchWaiters.push({ n, resolve });
      }),
  };
}

/** A keep-alive connection that has served one request and now sits idle. */
async function idleKeepAlive(port: number) {
  const connection = await RawConnection.open(port);
  connection.write(get('/fast'));
  const first = await connection.next();
  expect(first.status).toBe(200);
  expect(first.headers['connection']).toBe('keep-alive');
  return connection;
}

const expectShuttingDown = (response: { status: number; headers: Record<string, string>; body: string }) => {
  expect(response.status).toBe(503);
  expect(response.headers['retry-after']).toBe('1');
  expect(response.headers['connection']).toBe('close');
  expect(JSON.parse(response.body)).toMatchObject({ type: 'SHUTTING_DOWN' });
};

describe('draining the HTTP server', () => {
  it('answers a request in flight with Connection: close, then closes the connection in order', async () => {
    const { server, port, gate, entered } = await start();
    const connection = await RawConnection.open(port);
    connection.write(get('/hold'));
    await entered;
    const drained = server.close(LONG);
    gate.resolve();
    const response = await connection.next();
    expect(response).toMatchObject({ status: 200, body: 'held' });
    expect(response.headers['connection']).toBe('close');
    expect(await connection.ended).toBe('end');
    await drained;
  });

  it('answers 503 with Retry-After to a request already sent on an idle keep-alive connection when the drain begins', async () => {
    // The classic reset: the request is on the wire (written, not yet read by the server) when the
    // server decides the connection is idle. Closing it then resets the client's request.
    const { server, port } = await start();
    const connection = await idleKeepAlive(port);
    connection.write(get('/fast'));
    const drained = server.close(LONG);
    expectShuttingDown(await connection.next());
    expect(await connection.ended).toBe('end');
    await drained;
  });

  it('answers 503 with Retry-After to a request sent on an idle keep-alive connection after the drain began', async () => {
    const { server, port } = await start();
    const connection = await idleKeepAlive(port);
    const drained = server.close(LONG);
    connection.write(get('/fast'));
    expectShuttingDown(await connection.next());
    expect(await connection.ended).toBe('end');
    await drained;
  });

  it('stops accepting connections at once', async () => {
    const { server, port } = await start();
    const drained = server.close(LONG);
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.on('connect', () => resolve('connected'));
      socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
    expect(refused).toBe('ECONNREFUSED');
    await drained;
  });

  it('answers a pipelined request that arrives during the drain behind one in flight, closing after the last', async () => {
    const { server, port, gate, entered, dispatched } = await start();
    const connection = await RawConnection.open(port);
    connection.write(get('/hold'));
    await entered;
    const drained = server.close(LONG);
    connection.write(get('/fast'));
    await dispatched(2);
    gate.resolve();
    const first = await connection.next();
    expect(first).toMatchObject({ status: 200, body: 'held' });
    // Not the last response owed on the connection: closing after it would drop the second answer.
    expect(first.headers['connection']).toBe('keep-alive');
    expectShuttingDown(await connection.next());
    expect(await connection.ended).toBe('end');
    await drained;
  });

  it('serves pipelined requests that were dispatched before the drain, then closes the idle connection', async () => {
    const { server, port, gate, entered, dispatched } = await start({ keepAliveMs: 20 });
    const connection = await RawConnection.open(port);
    connection.write(get('/hold') + get('/fast'));
    await entered;
    await dispatched(2);
    // The second handler starts at the check phase of the turn that read it (loop-turns.ts): this
    // immediate, queued after its slot, runs once it has written its answer.
    await new Promise((resolve) => setImmediate(resolve));
    const drained = server.close(LONG);
    gate.resolve();
    const first = await connection.next();
    expect(first).toMatchObject({ status: 200, body: 'held' });
    expect(first.headers['connection']).toBe('keep-alive');
    // Written (queued behind the first) before the drain began: it keeps its keep-alive, and the
    // connection is closed when it has been idle for the grace.
    const second = await connection.next();
    expect(second).toMatchObject({ status: 200, body: 'fast' });
    expect(second.headers['connection']).toBe('keep-alive');
    expect(await connection.ended).toBe('end');
    await drained;
  });

  it('finishes a request whose body is still being uploaded when the drain begins', async () => {
    const { server, port, dispatched } = await start();
    const connection = await RawConnection.open(port);
    connection.write('POST /echo HTTP/1.1\r\nhost: test\r\ncontent-length: 10\r\n\r\n01234');
    await dispatched(1);
    const drained = server.close(LONG);
    connection.write('56789');
    const response = await connection.next();
    expect(response).toMatchObject({ status: 200, body: '0123456789' });
    expect(response.headers['connection']).toBe('close');
    expect(await connection.ended).toBe('end');
    await drained;
  });

  it('reads the whole body of a request that arrives during the drain before answering it 503', async () => {
    const { server, port, dispatched } = await start();
    const connection = await idleKeepAlive(port);
    const drained = server.close(LONG);
    connection.write('POST /echo HTTP/1.1\r\nhost: test\r\ncontent-length: 10\r\n\r\n01234');
    await dispatched(2);
    connection.write('56789');
    expectShuttingDown(await connection.next());
    expect(await connection.ended).toBe('end');
    await drained;
  });

  it('closes a connection that stays idle for the keep-alive grace, in order', async () => {
    const { server, port } = await start({ keepAliveMs: 20 });
    const fresh = await RawConnection.open(port); // connected, never sent anything
    const used = await idleKeepAlive(port);
    await server.close(LONG);
    expect(await fresh.ended).toBe('end');
    expect(await used.ended).toBe('end');
  });

  it('cuts what is still open at the deadline, and says so', async () => {
    const { server, port, entered, capture } = await start();
    const connection = await RawConnection.open(port);
    connection.write(get('/hold'));
    await entered;
    await server.close(10);
    // Cut: the held request never got its answer.
    await expect(connection.next()).rejects.toThrow(/ended/);
    const warning = await capture.waitFor((l) => /deadline/.test(l.msg));
    expect(warning).toMatchObject({ level: 40, connections: 1 });
  });

  it('is one drain however often close is called', async () => {
    const { server } = await start();
    const first = server.close(LONG);
    expect(server.close(0)).toBe(first);
    expect(server.draining).toBe(true);
    await first;
  });
});
