import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaHarness } from './test-support/media-harness.js';
import { openMediaHarness } from './test-support/media-harness.js';
import { ADD_SEGMENTS, allocate, createFlow } from './test-support/operations.js';

/**
 * Concurrent writers to one flow. The flow's counters are derived from what each writer read
 * (segment_count + n, the span of timerange), so on PostgreSQL, where
 * transactions run at READ COMMITTED side by side, the flow row must be locked when read or updates
 * are lost. SQLite serialises whole write transactions; it runs the same checks.
 */
describe.each(['sqlite', 'postgres'] as const)('concurrent writes to one flow on %s', (backend) => {
  let h: MediaHarness;
  beforeAll(async () => {
    h = await openMediaHarness({ backend });
  });
  afterAll(async () => {
    await h.close();
  });

  const flowRow = async (id: string) => (await h.executor.lookup('flows', 'id', [id]))[0]!;

  it('counts every segment registered and deleted by concurrent requests', async () => {
    const flowId = await createFlow(h);
    const N = 16;
    const objects = await allocate(h, flowId, N);
    const results = await Promise.all(
      objects.map((objectId, i) =>
        h.run<{ addSegments: { failed: unknown[] } }>(ADD_SEGMENTS, {
          flowId,
          segments: [{ objectId, timerange: `[${i}:0_${i + 1}:0)` }],
        }),
      ),
    );
    for (const r of results) expect(r.data!.addSegments.failed).toEqual([]);
    const added = await flowRow(flowId);
    expect(added.segment_count).toBe(BigInt(N));
    const span = await h.run<{ flow: { timerange: string } }>(
      'query($id: ID!) { flow(id: $id) { timerange } }',
      {
        id: flowId,
      },
    );
    expect(span.data!.flow.timerange).toBe(`[0:0_${N}:0)`);

    await Promise.all(
      Array.from({ length: N / 2 }, (_, i) =>
        h.run('mutation($id: ID!, $t: TimeRange) { deleteSegments(flowId: $id, timerange: $t) { done } }', {
          id: flowId,
          t: `[${i}:0_${i + 1}:0)`,
        }),
      ),
    );
    expect((await flowRow(flowId)).segment_count).toBe(BigInt(N / 2));
  });
});
