import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../lib/test-support/eventually.js';
import { subgraphFetch } from './graphql-servers.js';
import { SubgraphCircuit } from './subgraph-circuit.js';

/** A subgraph stand-in over real HTTP that can be made to hang: accept requests and never answer. */
async function hangableSubgraph() {
  const state = { hung: false, marked: 0 };
  const waiting = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    if (req.headers['x-marked']) state.marked++;
    req.resume();
    if (state.hung) {
      waiting.add(() => res.destroy());
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ data: { __typename: 'Query' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  return {
    url,
    state,
    async close() {
      for (const end of waiting) end();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const post = {
  method: 'POST',
  body: '{"query":"{ __typename }"}',
  headers: { 'content-type': 'application/json' },
};
const probeOf = (url: string) => async (timeoutMs: number) => {
  const response = await fetch(url, { ...post, signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`answered ${response.status}`);
};

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('SubgraphCircuit', () => {
  it('opens when a request reached its deadline and the part answered nothing while it waited', () => {
    const changes: boolean[] = [];
    const circuit = new SubgraphCircuit({
      name: 'media',
      probe: () => new Promise(() => {}),
      onChange: (o) => changes.push(o),
    });
    cleanups.push(() => circuit.stop());
    circuit.timedOut(circuit.started());
    expect(circuit.open).toBe(true);
    expect(changes).toEqual([true]);
    circuit.timedOut(circuit.started()); // already open: no second change
    expect(changes).toEqual([true]);
  });

  it('stays closed when the part answered another request during the wait (one slow request, or one hung instance of several)', () => {
    const circuit = new SubgraphCircuit({ name: 'media', probe: () => Promise.resolve() });
    cleanups.push(() => circuit.stop());
    const startedAt = circuit.started();
    circuit.answered();
    circuit.timedOut(startedAt);
    expect(circuit.open).toBe(false);
  });

  it('closes at the first probe answered, and not before', async () => {
    let answer = false;
    const probes: number[] = [];
    const changes: boolean[] = [];
    const circuit = new SubgraphCircuit({
      name: 'media',
      probeIntervalMs: 10,
      probe: (timeoutMs) => {
        probes.push(timeoutMs);
        return answer ? Promise.resolve() : Promise.reject(new Error('no answer'));
      },
      onChange: (o) => changes.push(o),
    });
    cleanups.push(() => circuit.stop());
    circuit.timedOut(circuit.started());
    await eventually(() => probes.length >= 3, 'probed repeatedly while the part does not answer');
    expect(circuit.open).toBe(true);
    answer = true;
    await eventually(() => !circuit.open, 'closed once a probe was answered');
    expect(changes).toEqual([true, false]);
    expect(probes.every((t) => t === 2000)).toBe(true);
  });
});

describe('subgraphFetch with a circuit, against a real HTTP part that hangs', () => {
  it('waits the deadline once, then answers 503 at once without sending, and sends again once the part answers', async () => {
    const part = await hangableSubgraph();
    cleanups.push(() => part.close());
    const circuit = new SubgraphCircuit({
      name: 'media',
      probe: probeOf(part.url),
      probeIntervalMs: 20,
      probeTimeoutMs: 200,
    });
    cleanups.push(() => circuit.stop());
    const body = async (response: Response) =>
      (await response.json()) as { errors?: { message: string; extensions: { code: string } }[] };

    expect((await subgraphFetch(part.url, post, 60_000, circuit)).status).toBe(200);

    part.state.hung = true;
    const cut = await body(await subgraphFetch(part.url, post, 200, circuit));
    expect(cut.errors?.[0]).toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE' } });
    expect(cut.errors?.[0]?.message).toContain('did not answer within 200 ms');
    expect(circuit.open).toBe(true);

    // Open: answered without the request reaching the part (the probes are the only requests it gets).
    const marked = { ...post, headers: { ...post.headers, 'x-marked': '1' } };
    const refused = await body(await subgraphFetch(part.url, marked, 60_000, circuit));
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE' } });
    expect(refused.errors?.[0]?.message).toContain('subgraph media');
    expect(refused.errors?.[0]?.message).toContain('probed until it does');
    expect(part.state.marked).toBe(0);

    part.state.hung = false;
    await eventually(() => !circuit.open, 'closed by a probe once the part answers');
    const again = await subgraphFetch(part.url, post, 60_000, circuit);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ data: { __typename: 'Query' } });
  });
});
