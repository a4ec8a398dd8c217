import type { CacheSpace, CoherentCache } from '../../lib/cache/index.js';
import type { Executor, Row } from '../../lib/executor/index.js';
import type { EntityKind } from './domain/cache-dependencies.js';
import { dependenciesOf } from './domain/cache-dependencies.js';

/**
 * A version in each space name: replicas of two releases share Redis during a rolling deploy, and a row
 * of another shape must not be read as this one's (bump it when a table's columns change).
 */
const SPACE_VERSION = 'v1';

/** Entries outlive nothing they depend on (invalidation is by event); the TTL only returns memory. */
const TTL_MS = 15 * 60_000;

/** Batch lookups of entity rows by id (a miss is null), through the shared cache when there is one. */
export interface EntityReader {
  flows(ids: readonly string[]): Promise<(Row<'flows'> | null)[]>;
  sources(ids: readonly string[]): Promise<(Row<'sources'> | null)[]>;
  objects(ids: readonly string[]): Promise<(Row<'objects'> | null)[]>;
  /** The items of each collection flow, in position order. */
  itemsOfCollections(ids: readonly string[]): Promise<Row<'flow_collection_items'>[][]>;
  /** The items naming each flow as a member (its `collected_by`). */
  collectionsOfMembers(ids: readonly string[]): Promise<Row<'flow_collection_items'>[][]>;
}

/**
 * Entity rows by id: one cache read for the batch, one executor lookup for the misses, a fill in the
 * background (lib/cache). Each row depends on its entity and its kind's wildcard (cache-dependencies.ts),
 * which every write bumps after its commit (repository.ts, `write`). Without a cache, the lookup alone.
 */
export function entityReader(executor: Executor, cache: CoherentCache | undefined): EntityReader {
  const rows =
    <T extends 'flows' | 'sources' | 'objects'>(table: T) =>
    (ids: readonly string[]) =>
      executor.lookup(table, 'id' as never, ids) as Promise<(Row<T> | null)[]>;
  return {
    flows: cachedById(cache, 'flow', 'flow', rows('flows')),
    sources: cachedById(cache, 'source', 'source', rows('sources')),
    objects: cachedById(cache, 'object', 'object', rows('objects')),
    // A flow's collection items and collectors change only with rows naming it as collection or
    // member, which touch the flow's own dependency (cache-dependencies.ts).
    itemsOfCollections: cachedById(cache, 'flow-collection', 'flow', (ids) =>
      executor.lookupMany('flow_collection_items', 'collection_id', ids, {
        orderBy: [{ column: 'position' }],
      }),
    ),
    collectionsOfMembers: cachedById(cache, 'flow-collected-by', 'flow', (ids) =>
      executor.lookupMany('flow_collection_items', 'member_id', ids),
    ),
  };
}

/**
 * A batch lookup by entity id, cached under the entity's dependencies. A null (no such row) is passed
 * through, never stored: the write that creates the row bumps its dependency anyway.
 */
function cachedById<V>(
  cache: CoherentCache | undefined,
  name: string,
  kind: EntityKind,
  lookup: (ids: readonly string[]) => Promise<V[]>,
): (ids: readonly string[]) => Promise<V[]> {
  if (!cache) return lookup;
  const space: CacheSpace<NonNullable<V>> = cache.space({ name: `${name}.${SPACE_VERSION}`, ttlMs: TTL_MS });
  return async (ids) => {
    const values = await space.loadMany(
      ids.map((id) => ({ key: id, deps: dependenciesOf(kind, id) })),
      async (misses) => (await lookup(misses.map((m) => m.key))).map((value) => value ?? undefined),
    );
    return values.map((value) => (value ?? null) as V);
  };
}
