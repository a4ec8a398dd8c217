import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isIn } from '../../lib/executor/index.js';
import { storageSummary } from '../analytics/store-analytics.js';
import { SIZER_BATCH, SIZER_RECHECK_MS, sizeObjects } from './domain/object-sizer.js';
import type { MediaHarness } from './test-support/media-harness.js';
import { openMediaHarness } from './test-support/media-harness.js';
import { addSeconds, createFlow } from './test-support/operations.js';

/**
 * The object sizer (issue 13: storage usage must be true): objects whose size the store does not know
 * (S3 uploads go straight to the bucket) are asked about, a bounded number per round; referenced objects
 * whose bytes are missing are marked. Here on the filesystem store, which answers the same `size()` as
 * S3's HEAD (lib/objects tests both); sizes recorded at upload are dropped to stand for S3 uploads.
 */

let h: MediaHarness;
beforeAll(async () => {
  h = await openMediaHarness();
});
afterAll(async () => {
  await h.close();
});

const rowsOf = async (ids: readonly string[]) =>
  new Map(
    (await h.executor.select({ table: 'objects', where: isIn('id', ids), limit: ids.length })).rows.map(
      (r) => [r.id, r],
    ),
  );

describe('object sizer', () => {
  it('records the sizes the store reports, marks referenced objects whose bytes are missing, and counts them', async () => {
    const flowId = await createFlow(h);
    const objects = await addSeconds(h, flowId, [0, 1, 2]);
    // As if uploaded straight to a bucket: the store has the bytes, the rows have no size.
    await h.executor.update('objects', isIn('id', objects), { size_bytes: null, size_checked: null });
    const sizes = [3, 1000, 0];
    for (const [i, id] of objects.entries()) await h.objects.put(id, Buffer.alloc(sizes[i]!), 'video/mp2t');
    await h.objects.delete(objects[2]!); // one is lost from the store
    const now = new Date();
    expect(await sizeObjects(h.subgraph.repository, now)).toBe(3);
    const rows = await rowsOf(objects);
    expect(objects.map((id) => rows.get(id)!.size_bytes)).toEqual([3n, 1000n, null]);
    expect(objects.map((id) => rows.get(id)!.missing_since)).toEqual([null, null, now]);
    expect(objects.map((id) => rows.get(id)!.size_checked)).toEqual([now, now, now]);

    // Storage analytics count it (the analytics subgraph's own summary, on the same database).
    expect((await storageSummary(h.executor, undefined)).missingObjectCount).toBe(1);

    // Nothing is asked again before the recheck interval; the missing object is, after it, and once its
    // bytes are back it is sized and no longer missing.
    expect(await sizeObjects(h.subgraph.repository, new Date(now.getTime() + 1000))).toBe(0);
    await h.objects.put(objects[2]!, Buffer.alloc(7), 'video/mp2t');
    const later = new Date(now.getTime() + SIZER_RECHECK_MS + 1);
    expect(await sizeObjects(h.subgraph.repository, later)).toBe(1);
    const after = (await rowsOf([objects[2]!])).get(objects[2]!)!;
    expect([after.size_bytes, after.missing_since]).toEqual([7n, null]);
  });

  it('asks about at most a batch of objects per round, and leaves not-yet-uploaded allocations unmarked', async () => {
    const flowId = await createFlow(h);
    const storage = h.subgraph.repository.storage.defaultBinding()!.backend.id;
    const ids = Array.from({ length: SIZER_BATCH + 20 }, () => `sizer-${randomUUID()}`);
    await h.executor.insert(
      'objects',
      ids.map((id) => ({
        id,
        storage_id: storage,
        allocated_for_flow_id: flowId,
        first_referenced_by_flow_id: null,
        created: new Date(),
        upload_expires: new Date(Date.now() + 3_600_000),
        gc_candidate_since: null,
        size_bytes: null,
        size_checked: null,
        missing_since: null,
      })),
    );
    const now = new Date(Date.now() + 10 * SIZER_RECHECK_MS);
    expect(await sizeObjects(h.subgraph.repository, now)).toBe(SIZER_BATCH);
    expect(await sizeObjects(h.subgraph.repository, now)).toBe(20);
    const rows = await rowsOf(ids);
    expect([...rows.values()].every((r) => r.missing_since === null && r.size_checked !== null)).toBe(true);
  });
});
