import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { graphql } from 'graphql';
import type { ExecutionResult } from 'graphql';
import type { Executor, InsertRow } from '../../../lib/executor/index.js';
import { PostgresExecutor, QueryMonitor, SqliteExecutor } from '../../../lib/executor/index.js';
import { createTestDatabase } from '../../../lib/executor/test-support/postgres-test-database.js';
import type { TestDatabase } from '../../../lib/executor/test-support/postgres-test-database.js';
import { spanOf } from '../../../lib/tams/index.js';
import type { TimeRange } from '../../../lib/tams/index.js';
import type { AnalyticsSubgraph } from '../index.js';
import { createAnalyticsSubgraph } from '../index.js';

/**
 * The analytics subgraph on a real database (SQLite file or a fresh PostgreSQL database), driven through
 * GraphQL as the gateway drives it (`_entities`), with the executor calls counted for batching checks.
 */
export interface AnalyticsHarness {
  readonly executor: Executor;
  readonly subgraph: AnalyticsSubgraph;
  /** Executor calls since the harness opened (or since the test reset it). */
  readonly calls: { count: number };
  run<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    options?: { allowErrors?: boolean; admin?: boolean },
  ): Promise<ExecutionResult<T>>;
  /** Fields of one flow: `selection` is the inside of `... on Flow { }`. */
  flow<T = Record<string, unknown>>(id: string, selection: string): Promise<T>;
  /** The `extensions.code` of the first error of an operation that must fail. */
  errorCode(query: string, variables?: Record<string, unknown>): Promise<string>;
  /** Stores a flow row and its segments as the media subgraph would (extent and count maintained). */
  addFlow(
    id: string,
    segments: readonly { range: TimeRange; created?: Date; objectId?: string }[],
    overrides?: Partial<InsertRow<'flows'>>,
  ): Promise<void>;
  close(): Promise<void>;
}

export const CREATED = new Date('2026-12-01T12:00:00.000Z');

export async function openAnalyticsHarness(
  backend: 'sqlite' | 'postgres',
  options: { now?: () => Date } = {},
): Promise<AnalyticsHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'tams-analytics-'));
  let database: TestDatabase | undefined;
  let executor: Executor;
  const monitor = new QueryMonitor();
  if (backend === 'postgres') {
    database = await createTestDatabase('tams_analytics');
    executor = await PostgresExecutor.open({ url: database.url, poolSize: 4, monitor });
  } else {
    executor = await SqliteExecutor.open({ path: join(dir, 'tams.sqlite3'), synchronous: 'NORMAL', monitor });
  }
  const calls = { count: 0 };
  const counted = new Proxy(executor, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || property === 'close') return value;
      return (...args: unknown[]) => {
        calls.count++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  const subgraph = createAnalyticsSubgraph(counted, { ...options, monitor });
  const run = async <T>(
    query: string,
    variables?: Record<string, unknown>,
    opts?: { allowErrors?: boolean; admin?: boolean },
  ) => {
    const result = (await graphql({
      schema: subgraph.schema,
      source: query,
      variableValues: variables,
      contextValue: subgraph.createContext({ admin: opts?.admin ?? false }),
    })) as ExecutionResult<T>;
    if (result.errors?.length && !opts?.allowErrors)
      throw new Error(
        `GraphQL errors: ${result.errors.map((e) => `${e.message} [${String(e.extensions?.code)}]`).join('; ')}`,
      );
    return result;
  };
  return {
    executor,
    subgraph,
    calls,
    run,
    async flow<T>(id: string, selection: string): Promise<T> {
      const result = await run<{ _entities: T[] }>(
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on Flow { ${selection} } } }`,
        { r: [{ __typename: 'Flow', id }] },
      );
      return result.data!._entities[0]!;
    },
    async errorCode(query, variables) {
      const result = await run(query, variables, { allowErrors: true });
      if (!result.errors?.length) throw new Error('expected the operation to fail');
      return String(result.errors[0]!.extensions?.code);
    },
    async addFlow(id, segments, overrides = {}) {
      await executor.insert('flows', [
        {
          id,
          source_id: overrides.source_id ?? id,
          format: 'urn:x-nmos:format:video',
          created: CREATED,
          metadata_updated: CREATED,
          metadata_version: 'v1',
          timerange: spanOf(segments.map((s) => s.range)),
          ...overrides,
        },
      ]);
      if (segments.length > 0)
        await executor.insert(
          'segments',
          segments.map((s) => ({
            flow_id: id,
            timerange: s.range,
            object_id: s.objectId ?? `obj-${id}`,
            created: s.created ?? CREATED,
          })),
        );
    },
    async close() {
      await executor.close();
      await database?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
