import { and, eq, isIn, isNull, or, range } from '../../../lib/executor/index.js';
import type { MediaRepository } from './repository.js';
import { write } from './repository.js';

/** Objects asked about per round, and at once: a bounded load on the object store. */
export const SIZER_BATCH = 100;
const CONCURRENCY = 8;
/** An object whose bytes were not there (an upload still to come) is asked again after this long. */
export const SIZER_RECHECK_MS = 5 * 60_000;

/**
 * Learns the true size of stored objects whose size the store does not know (S3 uploads go straight to
 * the bucket; objects from before sizes were recorded): one HEAD per object, at most SIZER_BATCH per
 * round (the deletion worker's rounds pace it), and records it. An object a segment names whose bytes
 * the store lacks is marked `missing_since` (storage analytics count them, the log says which); it is
 * cleared when the bytes are found. Returns how many objects were asked about.
 */
export async function sizeObjects(repository: MediaRepository, now = repository.now()): Promise<number> {
  let asked = 0;
  for (const binding of repository.storage.all()) {
    const due = await repository.executor.select({
      table: 'objects',
      columns: ['id', 'first_referenced_by_flow_id', 'missing_since'],
      where: and(
        eq('storage_id', binding.backend.id),
        isNull('size_bytes'),
        or(isNull('size_checked'), range('size_checked', { lt: new Date(now.getTime() - SIZER_RECHECK_MS) })),
      ),
      limit: SIZER_BATCH - asked,
    });
    const found: { id: string; size: number }[] = [];
    const missing: string[] = [];
    const unknown: string[] = [];
    const rows = due.rows;
    for (let i = 0; i < rows.length; i += CONCURRENCY)
      await Promise.all(
        rows.slice(i, i + CONCURRENCY).map(async (o) => {
          try {
            const size = await binding.store.size(o.id);
            if (size !== null) found.push({ id: o.id, size });
            else if (o.first_referenced_by_flow_id !== null) missing.push(o.id);
            else unknown.push(o.id); // allocated, not uploaded yet: asked again later
          } catch (error) {
            repository.log.warn({ err: error, objectId: o.id }, 'could not ask the object store for a size');
          }
        }),
      );
    asked += rows.length;
    const newlyMissing = rows
      .filter((o) => missing.includes(o.id) && o.missing_since === null)
      .map((o) => o.id);
    if (found.length || missing.length || unknown.length)
      await write(repository, async (tx) => {
        for (const { id, size } of found)
          await tx.update('objects', eq('id', id), {
            size_bytes: BigInt(size),
            size_checked: now,
            missing_since: null,
          });
        if (unknown.length) await tx.update('objects', isIn('id', unknown), { size_checked: now });
        if (missing.length) await tx.update('objects', isIn('id', missing), { size_checked: now });
        if (newlyMissing.length) await tx.update('objects', isIn('id', newlyMissing), { missing_since: now });
      });
    if (newlyMissing.length)
      repository.log.warn(
        { objects: newlyMissing.slice(0, 20), count: newlyMissing.length, storage: binding.backend.label },
        'segments name objects whose bytes the object store lacks',
      );
    if (asked >= SIZER_BATCH) break;
  }
  return asked;
}
