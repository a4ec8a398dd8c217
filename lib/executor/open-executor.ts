import type { DatabaseConfig } from '../config/config.js';
import { describePostgresUrl, PostgresExecutor } from './postgres/postgres-executor.js';
import type { QueryMonitor } from './query-monitor.js';
import { SqliteExecutor } from './sqlite/sqlite-executor.js';
import type { Executor } from './types.js';
import type { LsnFloor } from './endpoints/lsn-floor.js';
import { MemoryLsnFloor } from './endpoints/lsn-floor.js';
import { routedExecutor } from './endpoints/routed-executor.js';

/**
 * Opens the configured backend and brings its schema up to date; `monitor` is told every statement.
 * With read endpoints (PostgreSQL standbys), reads of requests may go to them (endpoints/): `floor`
 * is where acknowledged writes' WAL positions are shared (default: this process only).
 */
export async function openExecutor(
  config: DatabaseConfig,
  options: { monitor?: QueryMonitor; floor?: LsnFloor } = {},
): Promise<Executor> {
  if (config.kind === 'postgres' && config.reads && config.reads.urls.length > 0) {
    const primary = await PostgresExecutor.open({
      url: config.url,
      poolSize: config.poolSize,
      statementTimeoutMs: config.statementTimeoutMs,
      monitor: options.monitor,
    });
    const standbys = await Promise.all(
      config.reads.urls.map(async (url) => {
        const name = describePostgresUrl(url);
        return {
          name,
          executor: await PostgresExecutor.open({
            url,
            poolSize: config.poolSize,
            statementTimeoutMs: config.statementTimeoutMs,
            monitor: options.monitor,
            readOnly: true,
            endpoint: name,
          }),
        };
      }),
    );
    return routedExecutor({
      primary,
      standbys,
      settings: config.reads,
      floor: options.floor ?? new MemoryLsnFloor(),
    });
  }
  return openOne(config, options);
}

function openOne(config: DatabaseConfig, options: { monitor?: QueryMonitor }): Promise<Executor> {
  switch (config.kind) {
    case 'sqlite':
      return SqliteExecutor.open({
        path: config.path,
        synchronous: config.synchronous,
        monitor: options.monitor,
      });
    case 'postgres':
      return PostgresExecutor.open({
        url: config.url,
        poolSize: config.poolSize,
        statementTimeoutMs: config.statementTimeoutMs,
        monitor: options.monitor,
      });
  }
}
