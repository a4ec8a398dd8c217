import type { Config, Role } from '../../lib/config/config.js';
import type { Executor } from '../../lib/executor/index.js';
import { openExecutor } from '../../lib/executor/index.js';
import type { ReadinessCheck } from '../health.js';
import type { Part } from './part.js';
import { stopsWithNothing } from './part.js';

export interface Database extends Part {
  /** Absent in a gateway role that needs no database (no authentication, no subscriptions). */
  readonly executor: Executor | undefined;
  readonly checks: readonly ReadinessCheck[];
}

/**
 * The query executor (SQLite or PostgreSQL). Every role but the gateway owns data; the gateway role reads
 * the shared database only for API tokens and principals, and to follow the event outbox for
 * subscriptions (PostgreSQL).
 */
export async function openDatabase(config: Config, role: Role): Promise<Database> {
  if (role === 'gateway' && !config.auth.enabled && config.database.kind !== 'postgres')
    return { name: 'database', executor: undefined, checks: [], stop: stopsWithNothing };
  const executor = await openExecutor(config.database);
  return {
    name: 'database',
    executor,
    checks: [{ name: 'database', check: async () => void (await executor.schemaVersion()) }],
    stop: () => executor.close(),
  };
}
