import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openMediaHarness } from './test-support/media-harness.js';
import { addSeconds, createFlow } from './test-support/operations.js';

const NESTED = `{
  sources(limit: 100) { nodes { id flows(limit: 100) { nodes { id collectedBy
    segments(limit: 100) { nodes { timerange object { id firstReferencedByFlow } getUrls { url } } } } } } }
}`;

/** Executor calls made by one nested query over `sources` sources x `flows` flows x `segments` segments. */
async function callsFor(sources: number, flows: number, segments: number): Promise<number> {
  const calls = { count: 0 };
  const h = await openMediaHarness({ calls });
  try {
    for (let s = 0; s < sources; s++) {
      const sourceId = randomUUID();
      for (let f = 0; f < flows; f++)
        await addSeconds(
          h,
          await createFlow(h, { sourceId }),
          Array.from({ length: segments }, (_, i) => i),
        );
    }
    calls.count = 0;
    const { data } = await h.run<{
      sources: { nodes: { flows: { nodes: { segments: { nodes: unknown[] } }[] } }[] };
    }>(NESTED);
    const counted = data!.sources.nodes.flatMap((s) => s.flows.nodes.flatMap((f) => f.segments.nodes));
    expect(counted).toHaveLength(sources * flows * segments);
    return calls.count;
  } finally {
    await h.close();
  }
}

describe('per-request DataLoaders', () => {
  it('answer sources → flows → segments → objects with the same number of executor calls however many items there are', async () => {
    const small = await callsFor(1, 1, 1);
    const large = await callsFor(5, 3, 4);
    expect(large).toBe(small);
    // sources, flows per source, collectedBy, segments per flow, objects: one batched call each.
    expect(small).toBeLessThanOrEqual(5);
  });
});
