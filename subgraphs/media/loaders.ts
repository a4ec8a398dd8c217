import DataLoader from 'dataloader';
import type { ColumnName, Executor, Page, Row, SelectQuery, TableName } from '../../lib/executor/index.js';
import { ExecutorError } from '../../lib/executor/index.js';
import type { CollectionReader } from './domain/collections.js';
import type { EntityReader } from './entity-cache.js';
import { entityReader } from './entity-cache.js';

/**
 * Per-request DataLoaders: every entity lookup and every one-to-many edge of a response becomes one
 * executor call per kind, however many parents there are. Created per request, so nothing is memoised
 * across requests (or across callers with different rights); entity rows by id may come from the shared
 * cache (`entities`, entity-cache.ts), which is never staler than the database.
 */
export interface MediaLoaders {
  readonly flow: DataLoader<string, Row<'flows'> | null>;
  readonly source: DataLoader<string, Row<'sources'> | null>;
  readonly object: DataLoader<string, Row<'objects'> | null>;
  readonly flowsOfSource: DataLoader<string, Row<'flows'>[]>;
  readonly collectionItems: DataLoader<string, Row<'flow_collection_items'>[]>;
  readonly collectorsOf: DataLoader<string, Row<'flow_collection_items'>[]>;
  /** Any paged select; queries of the same shape in one tick run as one batched statement. */
  readonly page: <T extends TableName, C extends ColumnName<T> = ColumnName<T>>(
    query: SelectQuery<T, C>,
  ) => Promise<Page<Pick<Row<T>, C>>>;
  readonly collections: CollectionReader;
}

/** Stable text of a query (bigint-safe), the page loader's cache key. */
function queryKey(query: SelectQuery<TableName>): string {
  return JSON.stringify(query, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

/** Queries that can share one statement: same table, columns and sort columns. */
function shapeKey(query: SelectQuery<TableName>): string {
  return JSON.stringify([query.table, query.columns ?? null, (query.orderBy ?? []).map((o) => o.column)]);
}

async function runPages(
  executor: Executor,
  queries: readonly SelectQuery<TableName>[],
): Promise<(Page<unknown> | Error)[]> {
  const groups = new Map<string, number[]>();
  queries.forEach((q, i) => {
    const key = shapeKey(q);
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const results: (Page<unknown> | Error)[] = [];
  for (const indexes of groups.values()) {
    const group = indexes.map((i) => queries[i]!);
    try {
      const pages = await executor.selectBatch(group);
      indexes.forEach((i, k) => (results[i] = pages[k]!));
    } catch (error) {
      if (!(error instanceof ExecutorError) || error.retryable) throw error;
      // One bad query (say a forged page key) must not fail its neighbours: run them one by one.
      await Promise.all(
        indexes.map(async (i) => {
          results[i] = await executor
            .select(queries[i]!)
            .catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
        }),
      );
    }
  }
  return results;
}

export function createLoaders(
  executor: Executor,
  entities: EntityReader = entityReader(executor, undefined),
): MediaLoaders {
  const flow = new DataLoader<string, Row<'flows'> | null>((ids) => entities.flows(ids));
  const source = new DataLoader<string, Row<'sources'> | null>((ids) => entities.sources(ids));
  const object = new DataLoader<string, Row<'objects'> | null>((ids) => entities.objects(ids));
  const flowsOfSource = new DataLoader<string, Row<'flows'>[]>((ids) =>
    executor.lookupMany('flows', 'source_id', ids, { orderBy: [{ column: 'id' }] }),
  );
  const collectionItems = new DataLoader<string, Row<'flow_collection_items'>[]>((ids) =>
    entities.itemsOfCollections(ids),
  );
  const collectorsOf = new DataLoader<string, Row<'flow_collection_items'>[]>((ids) =>
    entities.collectionsOfMembers(ids),
  );
  const pages = new DataLoader<SelectQuery<TableName>, Page<unknown>, string>(
    (queries) => runPages(executor, queries),
    {
      cacheKeyFn: queryKey,
    },
  );
  return {
    flow,
    source,
    object,
    flowsOfSource,
    collectionItems,
    collectorsOf,
    page: (query) => pages.load(query as unknown as SelectQuery<TableName>) as never,
    collections: {
      flows: (ids) => flow.loadMany(ids).then(rethrow),
      flowsOfSources: (ids) => flowsOfSource.loadMany(ids).then(rethrow),
      itemsOfCollections: (ids) => collectionItems.loadMany(ids).then(rethrow),
      collectionsOfMembers: (ids) => collectorsOf.loadMany(ids).then(rethrow),
    },
  };
}

function rethrow<T>(values: (T | Error)[]): T[] {
  for (const v of values) if (v instanceof Error) throw v;
  return values as T[];
}
