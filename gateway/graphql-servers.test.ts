import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
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
const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

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

  it('give up after two more tries, answering what the subgraph said', async () => {
    const { url, bodies } = await subgraph([draining]);
    const response = await subgraphFetch(url, request);
    expect(response.status).toBe(503);
    expect(bodies).toHaveLength(3);
  });

  it('are not repeated for any other 503', async () => {
    const other = { status: 503, headers: { 'retry-after': '5' }, body: '{"type":"ServiceUnavailable"}' };
    const { url, bodies } = await subgraph([other, ok]);
    expect((await subgraphFetch(url, request)).status).toBe(503);
    expect(bodies).toHaveLength(1);
  });
});
