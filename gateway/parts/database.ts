import type { Config, Role } from '../../lib/config/config.js';
import type { EndpointSnapshot, Executor, QueryMonitor, RoutedExecutor } from '../../lib/executor/index.js';
import { openExecutor, RedisLsnFloor } from '../../lib/executor/index.js';
import type { ReadinessCheck } from '../health.js';
import type { Part } from './part.js';
import { stopsWithNothing } from './part.js';

export interface Database extends Part {
  /** Absent in a gateway role that needs no database (no authentication, no subscriptions). */
  readonly executor: Executor | undefined;
  readonly checks: readonly ReadinessCheck[];
  /** The read endpoints (PostgreSQL standbys) as they stand; empty without any. */
  readEndpoints(): EndpointSnapshot[];
  /** SQLite: what moves when another process commits to the file (Executor.changeVersion). */
  readonly changeVersion: (() => number) | undefined;
}

/**
 * The query executor (SQLite or PostgreSQL). Every role but the gateway owns data; the gateway role reads
 * the shared database only for API tokens and principals, and to follow the event outbox for
 * subscriptions (PostgreSQL).
 */
export async function openDatabase(config: Config, role: Role, monitor?: QueryMonitor): Promise<Database> {
  if (role === 'gateway' && !config.auth.enabled && config.database.kind !== 'postgres')
    return {
      name: 'database',
      executor: undefined,
      checks: [],
      readEndpoints: () => [],
      changeVersion: undefined,
      stop: stopsWithNothing,
    };
  const reads = config.database.kind === 'postgres' && (config.database.reads?.urls.length ?? 0) > 0;
  // Several processes share the floor of acknowledged writes through Redis (decisions: read endpoints).
  const floor = reads && config.redisUrl ? new RedisLsnFloor(config.redisUrl) : undefined;
  const executor = await openExecutor(config.database, { monitor, ...(floor ? { floor } : {}) });
  return {
    name: 'database',
    executor,
    readEndpoints: () => (reads ? (executor as RoutedExecutor).readEndpoints() : []),
    changeVersion: executor.changeVersion ? () => executor.changeVersion!() : undefined,
    checks: [{ name: 'database', check: async () => void (await executor.schemaVersion()) }],
    stop: () => executor.close(),
  };
}
