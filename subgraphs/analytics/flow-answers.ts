import { createHash } from 'node:crypto';
import type { CacheSpace, CoherentCache, ValueCodec } from '../../lib/cache/index.js';
import { jsonCodec } from '../../lib/cache/index.js';

/**
 * The shared cache as the analytics subgraph sees it: the replicas' `CoherentCache`, and the names of
 * what a flow's answers depend on (the media domain's, passed in: every write touching the flow or its
 * segments bumps them after commit, so a cached answer is never older than an acknowledged write).
 */
export interface AnalyticsCacheOptions {
  readonly cache: CoherentCache;
  readonly flowDependencies: (flowId: string) => string[];
}

/** Answers of one kind of computation, per (flow, arguments). */
export interface FlowAnswers<T> {
  get(flowId: string, args: unknown, compute: () => Promise<T>): Promise<T>;
  /** The answers for several flows with the same arguments: one cache read, one computation for the misses. */
  getMany(
    flowIds: readonly string[],
    args: unknown,
    compute: (flowIds: readonly string[]) => Promise<readonly T[]>,
  ): Promise<T[]>;
}

const SPACE_VERSION = 'v1';
/** Answers live as long as their flow is unchanged; the TTL only returns memory. */
const TTL_MS = 30 * 60_000;

const argsKey = (args: unknown): string =>
  createHash('sha256')
    .update(JSON.stringify(args, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)))
    .digest('base64url');

/**
 * Answers of `name` computed once for all replicas while their flow is unchanged; without a cache,
 * computed every time. `codec` turns an answer the JSON codec cannot carry (Maps) into one it can.
 */
export function flowAnswers<T>(
  options: AnalyticsCacheOptions | undefined,
  name: string,
  codec: ValueCodec<T> = jsonCodec<T>(),
): FlowAnswers<T> {
  if (!options)
    return {
      get: (_flowId, _args, compute) => compute(),
      getMany: async (flowIds, _args, compute) => [...(await compute(flowIds))],
    };
  const space: CacheSpace<T> = options.cache.space({
    name: `analytics-${name}.${SPACE_VERSION}`,
    ttlMs: TTL_MS,
    codec,
  });
  const request = (flowId: string, key: string) => ({
    key: `${flowId}:${key}`,
    deps: options.flowDependencies(flowId),
  });
  return {
    async get(flowId, args, compute) {
      const [value] = await space.loadMany([request(flowId, argsKey(args))], async () => [await compute()]);
      return value as T;
    },
    async getMany(flowIds, args, compute) {
      const key = argsKey(args);
      const values = await space.loadMany(
        flowIds.map((id) => request(id, key)),
        (misses) => compute(misses.map((m) => m.key.slice(0, m.key.indexOf(':')))),
      );
      return values as T[];
    },
  };
}

/** A codec for answers holding Maps: each Map travels as its entries. */
export function mapsCodec<T, E>(toPlain: (value: T) => E, fromPlain: (plain: E) => T): ValueCodec<T> {
  const json = jsonCodec<E>();
  return {
    encode: (value) => json.encode(toPlain(value)),
    decode: (bytes) => fromPlain(json.decode(bytes)),
  };
}
