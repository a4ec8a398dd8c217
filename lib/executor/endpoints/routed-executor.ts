import type { ReadEndpointsConfig } from '../../config/config.js';
import type { PostgresExecutor } from '../postgres/postgres-executor.js';
import type { Executor } from '../types.js';
import type { EndpointSnapshot } from './read-endpoint.js';
import { ReadEndpoint } from './read-endpoint.js';
import { EndpointHealth, isEndpointFailure } from './endpoint-health.js';
import type { LsnFloor } from './lsn-floor.js';
import { currentReadScope } from './read-scope.js';
import type { ReadScope } from './read-scope.js';
import { readStrategy } from './read-strategy.js';

/** Executor methods that only read, so a standby may run them. Anything else runs on the primary. */
const REPLICA_READS: ReadonlySet<PropertyKey> = new Set([
  'select',
  'selectBatch',
  'selectArrow',
  'count',
  'lookup',
  'lookupMany',
  'aggregate',
  'distribution',
  'gaps',
  'intervalCounts',
  'timelineBuckets',
]);

/**
 * Long scans (analytics, exports): they prefer a standby, waiting up to `scanWaitMs` for one to replay
 * the floor rather than loading the primary. Window reads and lookups prefer freshness: the primary at
 * once when no standby is there yet.
 */
const SCANS: ReadonlySet<PropertyKey> = new Set([
  'aggregate',
  'distribution',
  'gaps',
  'intervalCounts',
  'timelineBuckets',
  'selectArrow',
  'streamArrow',
]);
/** How often a waiting scan looks at the standbys' replay again. */
const SCAN_POLL_MS = 10;

/** Methods that change the database: afterwards the request reads from the primary, and the floor rises. */
const WRITES: ReadonlySet<PropertyKey> = new Set([
  'transaction',
  'insert',
  'insertReturning',
  'insertEach',
  'upsert',
  'update',
  'increment',
  'delete',
  'deleteReturning',
]);

/** The executor with read endpoints: what `openExecutor` returns when standbys are configured. */
export interface RoutedExecutor extends Executor {
  /** The read endpoints as they stand (health, metrics). */
  readEndpoints(): EndpointSnapshot[];
  /** Probes every endpoint now (tests; the monitor probes on its own interval). */
  probeReadEndpoints(): Promise<void>;
}

export interface RoutedExecutorOptions {
  readonly primary: PostgresExecutor;
  /** One executor per standby, opened read-only; named host:port/database. */
  readonly standbys: readonly { readonly name: string; readonly executor: PostgresExecutor }[];
  readonly settings: ReadEndpointsConfig;
  readonly floor: LsnFloor;
  /** Told when an endpoint goes out or comes back. */
  readonly onEndpointChange?: (endpoint: EndpointSnapshot) => void;
}

/**
 * Writes, transactions and the outbox on the primary; reads of a request (`withReadScope`) on a healthy
 * standby chosen by the strategy, provided it has replayed every write acknowledged before the request
 * began (the floor) and the request itself has not written; else, and outside requests, on the
 * primary. A read that fails for the standby's sake runs again on the primary, so a standby going
 * away costs latency, not requests.
 */
export function routedExecutor(options: RoutedExecutorOptions): RoutedExecutor {
  const { primary, floor } = options;
  const endpoints = options.standbys.map((s) => new ReadEndpoint(s.name, s.executor));
  const health = new EndpointHealth(primary, endpoints, options.settings, (e) =>
    options.onEndpointChange?.(e.snapshot()),
  );
  const pick = readStrategy(options.settings.strategy);
  health.start();

  /** After a write commits, before it is acknowledged. */
  const wrote = async (scope: ReadScope | undefined) => {
    if (scope) scope.wrote = true;
    await floor.raise((await primary.replicationStatus()).lsn);
  };

  /** Standbys that have replayed `min`, refreshing a lagging candidate's position once (one query). */
  const caughtUp = async (min: bigint): Promise<ReadEndpoint[]> => {
    const up = endpoints.filter((e) => e.up);
    const behind = up.filter((e) => e.replayLsn < min);
    await Promise.all(
      behind.map(async (e) => {
        try {
          e.sawLsn((await e.executor.replicationStatus()).lsn);
        } catch {
          health.failed(e);
        }
      }),
    );
    return up.filter((e) => e.up && e.replayLsn >= min);
  };

  const chooseFor = async (scope: ReadScope | undefined, waitMs = 0): Promise<ReadEndpoint | null> => {
    if (!scope || scope.wrote || !endpoints.some((e) => e.up)) return null;
    scope.floor ??= floor.current();
    let min: bigint;
    try {
      min = await scope.floor;
    } catch {
      return null; // the floor cannot be known: only the primary is sure to be current
    }
    const until = performance.now() + waitMs;
    for (;;) {
      const candidates = await caughtUp(min);
      if (candidates.length) return pick(candidates);
      if (performance.now() >= until || !endpoints.some((e) => e.up)) return null;
      await new Promise((resolve) => setTimeout(resolve, SCAN_POLL_MS));
    }
  };
  const waitFor = (property: PropertyKey) => (SCANS.has(property) ? options.settings.scanWaitMs : 0);

  const onEndpoint = async <T>(endpoint: ReadEndpoint, run: () => Promise<T>, fallback: () => Promise<T>) => {
    endpoint.inFlight += 1;
    endpoint.reads += 1;
    const began = performance.now();
    try {
      const result = await run();
      endpoint.observeLatency(performance.now() - began);
      return result;
    } catch (error) {
      if (!isEndpointFailure(error)) throw error;
      endpoint.errors += 1;
      health.failed(endpoint);
      return fallback();
    } finally {
      endpoint.inFlight -= 1;
    }
  };

  const call = (target: object, method: PropertyKey, args: unknown[]) =>
    (Reflect.get(target, method) as (...a: unknown[]) => Promise<unknown>).apply(target, args);

  return new Proxy(primary as unknown as RoutedExecutor, {
    get(target, property) {
      if (property === 'readEndpoints') return () => endpoints.map((e) => e.snapshot());
      if (property === 'probeReadEndpoints') return () => health.probeAll();
      if (property === 'close')
        return async () => {
          await health.stop();
          await Promise.all(endpoints.map((e) => e.executor.close()));
          await floor.close?.();
          await primary.close();
        };
      if (WRITES.has(property))
        return async (...args: unknown[]) => {
          const scope = currentReadScope();
          const result = await call(primary, property, args);
          await wrote(scope);
          return result;
        };
      if (property === 'readOutbox')
        // Whoever reads events (the bus follower, a feed, webhooks) hands them on: raise the floor past
        // their commits first, so a client told of an event never reads a standby without its state,
        // even before the writer has raised the floor itself.
        return async (...args: unknown[]) => {
          const events = (await call(primary, property, args)) as unknown[];
          if (events.length > 0) await floor.raise((await primary.replicationStatus()).lsn);
          return events;
        };
      if (REPLICA_READS.has(property))
        return async (...args: unknown[]) => {
          const endpoint = await chooseFor(currentReadScope(), waitFor(property));
          const onPrimary = () => call(primary, property, args);
          return endpoint
            ? onEndpoint(endpoint, () => call(endpoint.executor, property, args), onPrimary)
            : onPrimary();
        };
      if (property === 'streamArrow')
        return (query: unknown) =>
          (async function* () {
            const endpoint = await chooseFor(currentReadScope(), waitFor('streamArrow'));
            // A stream that fails halfway cannot be replayed elsewhere: no fallback once started.
            yield* (endpoint ?? { executor: primary }).executor.streamArrow(query as never);
          })();
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
