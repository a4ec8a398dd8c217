import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../lib/test-support/eventually.js';
import { subgraphFetch } from './graphql-servers.js';

/** A subgraph stand-in that answers with `answers` in turn, recording the bodies it was sent. */
async function subgraph(answers: { status: number; headers?: Record<string, string>; body: string }[]) {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      bodies.push(body);
      const answer = answers[Math.min(bodies.length, answers.length) - 1]!;
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/graphql`, bodies };
}
const servers: { close(done?: () => void): unknown }[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/**
 * A subgraph that accepts connections and never answers (a stopped process: the kernel still accepts),
 * with the sockets it accepted, to see the gateway close them.
 */
async function hungSubgraph() {
  const sockets: Socket[] = [];
  const server = createNetServer((socket) => {
    sockets.push(socket);
    socket.resume();
  });
  servers.push({
    close: (done) => {
      for (const s of sockets) s.destroy();
      server.close(done);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/graphql`, sockets };
}

const draining = {
  status: 503,
  headers: { 'retry-after': '1', connection: 'close' },
  body: JSON.stringify({ type: 'SHUTTING_DOWN', summary: 'shutting down', time: '' }),
};
/** The same refusal from an instance of a release before the one error code spelling. */
const drainingBefore = { ...draining, body: JSON.stringify({ type: 'ShuttingDown', summary: '', time: '' }) };
const ok = { status: 200, body: JSON.stringify({ data: { ok: true } }) };
const request = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ok}"}' };

describe('subgraph requests', () => {
  it('are sent again when a draining instance refused them (nothing ran)', async () => {
    const { url, bodies } = await subgraph([draining, ok]);
    const response = await subgraphFetch(url, request);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { ok: true } });
    expect(bodies).toEqual([request.body, request.body]);
  });

  it('are sent again when an instance of the previous release refused them', async () => {
    const { url, bodies } = await subgraph([drainingBefore, ok]);
    expect((await subgraphFetch(url, request)).status).toBe(200);
    expect(bodies).toHaveLength(2);
  });

  it('give up after two more tries, answering that the subgraph is unavailable', async () => {
    const { url, bodies } = await subgraph([draining]);
    expect(await unavailable(await subgraphFetch(url, request))).toBe(true);
    expect(bodies).toHaveLength(3);
  });

  it('are not repeated for any other 503, answered as the subgraph being unavailable (e.g. still starting)', async () => {
    const starting = { status: 503, body: '{"type":"STARTING","summary":"","time":""}' };
    const { url, bodies } = await subgraph([starting, ok]);
    expect(await unavailable(await subgraphFetch(url, request))).toBe(true);
    expect(bodies).toHaveLength(1);
  });

  it('to a subgraph nobody listens for (down, restarting) answer SERVICE_UNAVAILABLE at once', async () => {
    const { url } = await subgraph([ok]);
    for (const s of servers.splice(0)) await new Promise<void>((resolve) => s.close(resolve));
    expect(await unavailable(await subgraphFetch(url, request))).toBe(true);
  });

  it('to a subgraph that accepts but never answers (stopped) answer SERVICE_UNAVAILABLE at the deadline, closing the connection', async () => {
    const { url, sockets } = await hungSubgraph();
    const response = await subgraphFetch(url, request, 200);
    expect(await unavailable(response)).toBe(true);
    expect(sockets).toHaveLength(1);
    // The request was aborted, not left open on the subgraph: its connection closes.
    await eventually(() => sockets[0]!.readableEnded || sockets[0]!.destroyed, 'the connection closed');
  });

  it('keep their own caller signal: aborting it still aborts the request', async () => {
    const { url } = await hungSubgraph();
    const caller = new AbortController();
    const pending = subgraphFetch(url, { ...request, signal: caller.signal }, 600_000);
    caller.abort(new Error('caller gave up'));
    await expect(pending).rejects.toThrow('caller gave up');
  });

  it("pass a subgraph's own refusal (503 OVERLOADED with a GraphQL body) on with its code", async () => {
    const overloaded = {
      status: 503,
      headers: { 'retry-after': '1' },
      body: JSON.stringify({ errors: [{ message: 'busy', extensions: { code: 'OVERLOADED' } }] }),
    };
    const { url } = await subgraph([overloaded]);
    const response = await subgraphFetch(url, request);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: 'OVERLOADED' } }] });
  });
});

/** Whether `response` is the GraphQL answer of an unavailable subgraph (gateway clients get 503 + Retry-After). */
async function unavailable(response: Response): Promise<boolean> {
  const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
  return response.status === 200 && body.errors?.[0]?.extensions?.code === 'SERVICE_UNAVAILABLE';
}
