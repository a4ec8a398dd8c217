/** The query executor: the only code that talks to a database. */
export type { ColumnSpec, ColumnType } from './catalog/columns.js';
export { catalog, isTableName } from './catalog/tables.js';
export type { Catalog, ColumnName, InsertRow, Row, TableName, TableSpec } from './catalog/tables.js';
export * from './errors.js';
export {
  and,
  conjuncts,
  coveredBy,
  covers,
  eq,
  isIn,
  isNull,
  not,
  or,
  overlaps,
  range,
  tagEquals,
  tagExists,
} from './predicate.js';
export type { Predicate, ScalarValue } from './predicate.js';
export * from './types.js';
export * from './aggregates.js';
export { openExecutor } from './open-executor.js';
export { selectAll } from './select-all.js';
export { describeStatement, QueryMonitor, shapeOf } from './query-monitor.js';
export type { QueryKindStats, QueryMonitorOptions, QueryRecord } from './query-monitor.js';
export { SqliteExecutor } from './sqlite/sqlite-executor.js';
export type { SqliteExecutorOptions } from './sqlite/sqlite-executor.js';
export { PostgresExecutor } from './postgres/postgres-executor.js';
export type { PostgresExecutorOptions } from './postgres/postgres-executor.js';
export { currentReadScope, withReadScope } from './endpoints/read-scope.js';
export type { LsnFloor } from './endpoints/lsn-floor.js';
export { MemoryLsnFloor } from './endpoints/lsn-floor.js';
export type { RoutedExecutor } from './endpoints/routed-executor.js';
export type { EndpointSnapshot } from './endpoints/read-endpoint.js';
export { RedisLsnFloor } from './endpoints/redis-lsn-floor.js';
