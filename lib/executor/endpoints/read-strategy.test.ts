import { describe, expect, it } from 'vitest';
import type { PostgresExecutor } from '../postgres/postgres-executor.js';
import { ReadEndpoint } from './read-endpoint.js';
import { readStrategy } from './read-strategy.js';

const endpoints = (n: number) =>
  Array.from({ length: n }, (_, i) => new ReadEndpoint(`standby-${i}`, {} as PostgresExecutor));

const tally = (picks: ReadEndpoint[]) => {
  const counts = new Map<string, number>();
  for (const e of picks) counts.set(e.name, (counts.get(e.name) ?? 0) + 1);
  return Object.fromEntries([...counts].sort());
};

describe('read strategies', () => {
  it('round-robin takes each endpoint in turn', () => {
    const all = endpoints(3);
    const pick = readStrategy('round-robin');
    expect(tally(Array.from({ length: 9 }, () => pick(all)))).toEqual({
      'standby-0': 3,
      'standby-1': 3,
      'standby-2': 3,
    });
  });

  it('least-outstanding takes the endpoint with the fewest reads in flight, ties in turn', () => {
    const all = endpoints(3);
    all[0]!.inFlight = 2;
    all[1]!.inFlight = 0;
    all[2]!.inFlight = 1;
    const pick = readStrategy('least-outstanding');
    expect(pick(all).name).toBe('standby-1');
    all[1]!.inFlight = 1;
    expect(tally(Array.from({ length: 4 }, () => pick(all)))).toEqual({ 'standby-1': 2, 'standby-2': 2 });
  });

  it('latency measures every endpoint first, then takes the fastest', () => {
    const all = endpoints(3);
    const pick = readStrategy('latency');
    all[0]!.observeLatency(5);
    expect(['standby-1', 'standby-2']).toContain(pick(all).name);
    all[1]!.observeLatency(2);
    all[2]!.observeLatency(9);
    expect(pick(all).name).toBe('standby-1');
    // The EWMA follows a slowdown: after enough slow reads another endpoint is faster.
    for (let i = 0; i < 20; i++) all[1]!.observeLatency(50);
    expect(pick(all).name).toBe('standby-0');
  });
});
