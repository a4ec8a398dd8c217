import { and, isIn, isNull, not, range } from '../../../lib/executor/index.js';
import type { Row } from '../../../lib/executor/index.js';
import type { MediaRepository } from './repository.js';
import { write } from './repository.js';

/**
 * Garbage collection of media objects (ADR0027): an object goes once no segment of any flow references
 * it; a controlled copy's bytes go with it (never an uncontrolled URL's target). Object rows are locked
 * while references are checked, and segment registration locks them too, so a concurrent re-use either
 * sees the object gone or keeps it alive.
 */

const CHUNK = 1000;

async function deleteBytes(repository: MediaRepository, objects: readonly Row<'objects'>[]): Promise<void> {
  for (const o of objects) {
    const binding = o.storage_id === null ? undefined : repository.storage.byId(o.storage_id);
    if (!binding) continue;
    try {
      await binding.store.delete(o.id);
    } catch (error) {
      repository.log.warn(
        { err: error, objectId: o.id },
        'could not delete the bytes of an unreferenced object',
      );
    }
  }
}

/** Deletes those of `candidates` that no segment references any more. */
export async function collectObjects(
  repository: MediaRepository,
  candidates: readonly string[],
): Promise<number> {
  let collected = 0;
  for (let i = 0; i < candidates.length; i += CHUNK) {
    const chunk = candidates.slice(i, i + CHUNK);
    const gone = await write(repository, async (tx) => {
      const objects = (
        await tx.select({ table: 'objects', where: isIn('id', chunk), limit: chunk.length, lock: true })
      ).rows;
      const refs = await tx.lookupMany(
        'flow_object_refs',
        'object_id',
        objects.map((o) => o.id),
        {
          columns: ['flow_id'],
        },
      );
      const orphans = objects.filter((_, k) => refs[k]!.length === 0);
      const alive = objects.filter((o, k) => refs[k]!.length > 0 && o.gc_candidate_since !== null);
      if (orphans.length)
        await tx.delete(
          'objects',
          isIn(
            'id',
            orphans.map((o) => o.id),
          ),
        );
      if (alive.length)
        await tx.update(
          'objects',
          isIn(
            'id',
            alive.map((o) => o.id),
          ),
          { gc_candidate_since: null },
        );
      return orphans;
    });
    await deleteBytes(repository, gone);
    collected += gone.length;
  }
  return collected;
}

/** Collects objects marked as candidates by deletions (oldest first); returns how many were looked at. */
export async function sweepCandidates(repository: MediaRepository, limit = CHUNK): Promise<number> {
  const marked = (
    await repository.executor.select({
      table: 'objects',
      columns: ['id'],
      where: not(isNull('gc_candidate_since')),
      limit,
    })
  ).rows.map((o) => o.id);
  if (marked.length) await collectObjects(repository, marked);
  return marked.length;
}

/** Objects allocated through storage allocation but never registered by a segment, past their grace time. */
export async function collectExpiredUploads(repository: MediaRepository, limit = CHUNK): Promise<number> {
  const gone = await write(repository, async (tx) => {
    const expired = (
      await tx.select({
        table: 'objects',
        where: and(isNull('first_referenced_by_flow_id'), range('upload_expires', { lt: repository.now() })),
        limit,
        lock: true,
      })
    ).rows;
    if (expired.length)
      await tx.delete(
        'objects',
        isIn(
          'id',
          expired.map((o) => o.id),
        ),
      );
    return expired;
  });
  await deleteBytes(repository, gone);
  return gone.length;
}
