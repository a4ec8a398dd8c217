import type { DatabaseConfig } from '../config/config.js';
import { PostgresExecutor } from './postgres/postgres-executor.js';
import { SqliteExecutor } from './sqlite/sqlite-executor.js';
import type { Executor } from './types.js';

/** Opens the configured backend and brings its schema up to date. */
export function openExecutor(config: DatabaseConfig): Promise<Executor> {
  switch (config.kind) {
    case 'sqlite':
      return SqliteExecutor.open({ path: config.path, synchronous: config.synchronous });
    case 'postgres':
      return PostgresExecutor.open({
        url: config.url,
        poolSize: config.poolSize,
        statementTimeoutMs: config.statementTimeoutMs,
      });
  }
}
