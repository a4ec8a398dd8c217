import { isIn } from '../../../lib/executor/index.js';
import type { InsertRow } from '../../../lib/executor/index.js';
import { v7 as uuidv7 } from 'uuid';
import type { StorageAllocationInput } from '../__generated__/resolvers-types.js';
import { DomainError, notFound } from '../errors.js';
import { assertWritable } from './flows.js';
import type { MediaRepository } from './repository.js';
import { write } from './repository.js';
import { checkId, checkInteger, checkObjectId } from './validation.js';

export const DEFAULT_ALLOCATION = 10;
export const MAX_ALLOCATION = 1000;

export interface Allocation {
  readonly objectId: string;
  readonly putUrl: { url: string; contentType: string | null; headers: Record<string, string> | null };
}

/**
 * Storage allocation (7.0 §7.1): new object ids (or the client's, for replication), remembered with the
 * flow they are for, and an upload URL for each on the chosen backend. Ids are UUIDv7: opaque, and
 * time-ordered, which keeps the object indexes' inserts local.
 */
export async function allocateStorage(
  repository: MediaRepository,
  id: string,
  input: StorageAllocationInput | null | undefined,
): Promise<Allocation[]> {
  const flowId = checkId(id, 'flowId');
  if (input?.limit != null && input.objectIds != null)
    throw new DomainError('BAD_REQUEST', 'give either limit or objectIds, not both');
  const limit = checkInteger(input?.limit ?? DEFAULT_ALLOCATION, 'limit', 1)!;
  if (limit > MAX_ALLOCATION)
    throw new DomainError('BAD_REQUEST', `limit: at most ${MAX_ALLOCATION} objects per allocation`);
  const requested = input?.objectIds?.map((o, i) => checkObjectId(o, `objectIds[${i}]`));
  if (requested && (requested.length === 0 || requested.length > MAX_ALLOCATION))
    throw new DomainError('BAD_REQUEST', `objectIds: give 1 to ${MAX_ALLOCATION} ids`);
  if (requested && new Set(requested).size !== requested.length)
    throw new DomainError('BAD_REQUEST', 'objectIds: the same id is given twice');
  const binding =
    input?.storageId != null
      ? repository.storage.byId(checkId(input.storageId, 'storageId'))
      : repository.storage.defaultBinding();
  if (!binding)
    throw input?.storageId != null
      ? new DomainError(
          'UNKNOWN_STORAGE_BACKEND',
          `storage backend ${input.storageId} is not one of this store's backends`,
        )
      : new DomainError('NO_DEFAULT_STORAGE', 'this store has no default storage backend; give storageId');

  // The upload URLs are made inside the transaction, before it commits: a backend that cannot take an
  // id (say an S3 prefix leaves too few bytes for it) fails the request with nothing allocated, so a retry
  // behaves as if the first request never happened. Presigning is local and cheap, so the transaction
  // is not held open on anything slow.
  return write(repository, async (tx) => {
    const [flow] = await tx.lookup('flows', 'id', [flowId]);
    if (!flow) throw notFound(`flow ${flowId}`);
    assertWritable(flow);
    if (!flow.container)
      throw new DomainError(
        'CONTAINER_NOT_SET',
        `flow ${flowId} has no container; set it before allocating storage`,
      );
    const ids = requested ?? Array.from({ length: limit }, () => uuidv7());
    if (requested) {
      const taken = (
        await tx.select({ table: 'objects', columns: ['id'], where: isIn('id', ids), limit: ids.length })
      ).rows;
      if (taken.length)
        throw new DomainError(
          'OBJECT_EXISTS',
          `objectIds: ${taken.map((t) => t.id).join(', ')} already exist in this store`,
        );
    }
    const now = repository.now();
    const rows: InsertRow<'objects'>[] = ids.map((objectId) => ({
      id: objectId,
      storage_id: binding.backend.id,
      allocated_for_flow_id: flowId,
      created: now,
      upload_expires: new Date(now.getTime() + repository.limits.uploadGraceSeconds * 1000),
    }));
    const container = flow.container;
    const allocations = ids.map((objectId): Allocation => {
      const put = binding.store.presignPut(objectId, {
        contentType: container,
        expiresInSeconds: repository.limits.putUrlSeconds,
      });
      return {
        objectId,
        putUrl: { url: put.url, contentType: container, headers: put.headers ? { ...put.headers } : null },
      };
    });
    await tx.insert('objects', rows);
    return allocations;
  });
}
