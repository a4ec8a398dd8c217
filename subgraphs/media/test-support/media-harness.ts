import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { graphql } from 'graphql';
import type { ExecutionResult } from 'graphql';
import type { CoherentCache } from '../../../lib/cache/index.js';
import type { Executor } from '../../../lib/executor/index.js';
import { PostgresExecutor, SqliteExecutor } from '../../../lib/executor/index.js';
import { createTestDatabase } from '../../../lib/executor/test-support/postgres-test-database.js';
import type { TestDatabase } from '../../../lib/executor/test-support/postgres-test-database.js';
import type { FilesystemObjectStore } from '../../../lib/objects/index.js';
import { createFilesystemObjectStore } from '../../../lib/objects/index.js';
import type { MediaLimits, MediaSubgraph } from '../index.js';
import { createMediaSubgraph } from '../index.js';

/** A media subgraph on a real database and a filesystem object store in a temp dir, driven through GraphQL. */
export interface MediaHarness {
  readonly subgraph: MediaSubgraph;
  readonly executor: Executor;
  readonly objects: FilesystemObjectStore;
  /** The PostgreSQL database's URL (postgres backend only), for a second connection pool on it. */
  readonly databaseUrl: string | undefined;
  /** Executes an operation; throws when the response has errors unless `allowErrors`. */
  run<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    /** `scopes`: the caller's (default none beyond what the harness's root fields need). */
    options?: { allowErrors?: boolean; scopes?: readonly string[] },
  ): Promise<ExecutionResult<T>>;
  /** The `extensions.code` of the first error of an operation that must fail. */
  errorCode(query: string, variables?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export const silentLog = { warn: () => undefined, error: () => undefined };

export async function openMediaHarness(
  options: {
    backend?: 'sqlite' | 'postgres';
    limits?: Partial<MediaLimits>;
    calls?: { count: number };
    /** Default true: tests deliver to receivers on 127.0.0.1. */
    allowPrivateWebhookTargets?: boolean;
    /** Entity reads through this cache, writes invalidating it. */
    cache?: CoherentCache;
    /** The executor the subgraph is given, made from the real one (a test's recording proxy). */
    wrapExecutor?: (executor: Executor) => Executor;
  } = {},
): Promise<MediaHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'tams-media-'));
  let database: TestDatabase | undefined;
  let executor: Executor;
  if (options.backend === 'postgres') {
    database = await createTestDatabase('tams_media');
    executor = await PostgresExecutor.open({ url: database.url, poolSize: 4 });
  } else {
    executor = await SqliteExecutor.open({ path: join(dir, 'tams.sqlite3'), synchronous: 'NORMAL' });
  }
  const counted = (options.wrapExecutor ?? ((e: Executor) => e))(
    options.calls ? countCalls(executor, options.calls) : executor,
  );
  const objects = await createFilesystemObjectStore({
    root: join(dir, 'objects'),
    publicBaseUrl: 'http://127.0.0.1:8000',
    signingKey: randomBytes(32),
  });
  const subgraph = await createMediaSubgraph({
    executor: counted,
    storage: [
      {
        identity: `filesystem:${dir}`,
        label: 'local',
        provider: 'tams-gateway',
        storeProduct: 'filesystem',
        store: objects,
      },
    ],
    log: silentLog,
    version: 'test',
    limits: options.limits,
    allowPrivateWebhookTargets: options.allowPrivateWebhookTargets ?? true,
    ...(options.cache ? { cache: options.cache } : {}),
  });
  const run = async <T>(
    query: string,
    variables?: Record<string, unknown>,
    opts?: { allowErrors?: boolean; scopes?: readonly string[] },
  ) => {
    const result = (await graphql({
      schema: subgraph.schema,
      source: query,
      variableValues: variables,
      contextValue: subgraph.createContext('tester', new Set(opts?.scopes ?? [])),
    })) as ExecutionResult<T>;
    if (result.errors?.length && !opts?.allowErrors)
      throw new Error(
        `GraphQL errors: ${result.errors
          .map((e) => `${e.message} [${String(e.extensions?.code)}]${describeCause(e)}`)
          .join('; ')}`,
      );
    return result;
  };
  return {
    subgraph,
    executor,
    objects,
    databaseUrl: database?.url,
    run,
    async errorCode(query, variables) {
      const result = await run(query, variables, { allowErrors: true });
      if (!result.errors?.length) throw new Error('expected the operation to fail');
      return String(result.errors[0]!.extensions?.code);
    },
    async close() {
      await subgraph.close();
      await executor.close();
      await database?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The innermost error under a GraphQL error, so a failing test says what really went wrong. */
function describeCause(error: { originalError?: unknown }): string {
  let cause: unknown = error.originalError;
  while (cause && typeof cause === 'object' && 'originalError' in cause && cause.originalError)
    cause = cause.originalError;
  while (cause instanceof Error && cause.cause) cause = cause.cause;
  return cause instanceof Error ? ` (cause: ${cause.stack ?? cause.message})` : '';
}

/** The executor, counting every call that reaches the database (for the DataLoader call-count test). */
function countCalls(executor: Executor, calls: { count: number }): Executor {
  return new Proxy(executor, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || property === 'close') return value;
      return (...args: unknown[]) => {
        calls.count++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
