import { graphql } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoherentCache, MemoryStore } from '../../lib/cache/index.js';
import type { CacheResult } from '../../lib/cache/index.js';
import { dependenciesOf } from '../media/domain/cache-dependencies.js';
import type { MediaHarness } from '../media/test-support/media-harness.js';
import { openMediaHarness } from '../media/test-support/media-harness.js';
import { addSeconds, createFlow } from '../media/test-support/operations.js';
import type { AnalyticsSubgraph } from './index.js';
import { createAnalyticsSubgraph } from './index.js';

/**
 * Issue 12 §2 / issue 13 §2: analytics answers kept in the shared cache are never older than an
 * acknowledged write. The media subgraph writes (through its `write`, which invalidates what it
 * touched); the analytics subgraph with the cache must answer exactly as one without it, after each
 * write, and must really answer from the cache in between.
 */
const SELECTION = `
  stats { segmentCount totalDuration firstStart lastEnd }
  coverage { timerange coveredSeconds ratio gapCount gaps(minSeconds: 0) { timerange seconds } }
  timeline(buckets: 4) { timerange segmentCount coveredSeconds }
  segmentDurationStats { count min max mean stddev percentiles(p: [0.5, 0.9]) { p value } histogram(bins: 3) { lower upper count fraction } }
`;

describe.each(['sqlite', 'postgres'] as const)('analytics answers in the shared cache on %s', (backend) => {
  let h: MediaHarness;
  let cache: CoherentCache;
  let cached: AnalyticsSubgraph;
  let uncached: AnalyticsSubgraph;
  const counts = new Map<CacheResult, number>();
  const hits = () => counts.get('hit') ?? 0;

  beforeAll(async () => {
    cache = new CoherentCache(new MemoryStore(), {
      onRequests: (space, result, n) => {
        if (space.startsWith('analytics-')) counts.set(result, (counts.get(result) ?? 0) + n);
      },
    });
    await cache.whenEnabled();
    h = await openMediaHarness({ backend, cache });
    cached = createAnalyticsSubgraph(h.executor, {
      cache: { cache, flowDependencies: (id) => dependenciesOf('flow', id) },
    });
    uncached = createAnalyticsSubgraph(h.executor);
  });
  afterAll(async () => {
    await h.close();
    await cache.close();
  });

  async function answer(subgraph: AnalyticsSubgraph, id: string): Promise<unknown> {
    const result = await graphql({
      schema: subgraph.schema,
      source: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Flow { ${SELECTION} } } }`,
      variableValues: { r: [{ __typename: 'Flow', id }] },
      contextValue: subgraph.createContext(),
    });
    expect(result.errors).toBeUndefined();
    await cache.flush();
    return result.data;
  }

  it('answers as the database does after every write, and from the cache in between', async () => {
    const flow = await createFlow(h);
    const writes: (() => Promise<unknown>)[] = [
      () => addSeconds(h, flow, [0, 1, 2]),
      () => addSeconds(h, flow, [5]),
      () =>
        h.run('mutation($id: ID!) { deleteSegments(flowId: $id, timerange: "[1:0_2:0)") { done } }', {
          id: flow,
        }),
      () => addSeconds(h, flow, [1, 3, 4]),
    ];
    expect(await answer(cached, flow)).toEqual(await answer(uncached, flow));
    for (const write of writes) {
      await write();
      expect(await answer(cached, flow)).toEqual(await answer(uncached, flow));
      const before = hits();
      expect(await answer(cached, flow)).toEqual(await answer(uncached, flow));
      // stats' extent and count, its total duration, coverage, timeline and the distribution: one hit each.
      expect(hits() - before).toBe(5);
    }
  });
});
