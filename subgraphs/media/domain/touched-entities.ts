import type { Predicate, ScalarValue, TableName, Transaction } from '../../../lib/executor/index.js';
import { conjuncts } from '../../../lib/executor/index.js';
import type { EntityKind } from './cache-dependencies.js';
import { dependencyOf, ENTITY_COLUMNS, wildcardOf } from './cache-dependencies.js';

/** Write operations whose first argument is the table and second the rows. */
const ROW_WRITES = new Set(['insert', 'insertReturning', 'insertEach', 'upsert']);
/** Write operations whose first argument is the table and second the predicate (update: third the values). */
const PREDICATE_WRITES = new Set(['update', 'increment', 'delete', 'deleteReturning']);

/**
 * The cache dependencies a transaction's writes touched, recorded as they are issued (so a write the
 * domain code adds later is covered without anyone remembering to name it). Recorded before the
 * statement runs: a statement that fails adds a dependency for nothing, which costs a miss, not a
 * stale read.
 */
export class TouchedEntities {
  private readonly touched = new Set<string>();

  get dependencies(): string[] {
    return [...this.touched];
  }

  /** `tx`, recording what its writes (and those of its savepoints) touch. */
  record(tx: Transaction): Transaction {
    return new Proxy(tx, {
      get: (target, property, receiver) => {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        const method = value as (...args: unknown[]) => unknown;
        if (property === 'savepoint')
          return (fn: (inner: Transaction) => Promise<unknown>) =>
            method.call(target, (inner: Transaction) => fn(this.record(inner)));
        if (typeof property === 'string' && ROW_WRITES.has(property))
          return (table: TableName, rows: readonly Record<string, unknown>[], ...rest: unknown[]) => {
            this.rows(table, rows);
            return method.call(target, table, rows, ...rest);
          };
        if (typeof property === 'string' && PREDICATE_WRITES.has(property))
          return (table: TableName, where: Predicate, ...rest: unknown[]) => {
            this.predicate(table, where);
            if (property === 'update') this.rows(table, [rest[0] as Record<string, unknown>]);
            return method.call(target, table, where, ...rest);
          };
        return method.bind(target);
      },
    });
  }

  private rows(table: TableName, rows: readonly Record<string, unknown>[]): void {
    for (const [column, kind] of ENTITY_COLUMNS[table] ?? [])
      for (const row of rows) {
        const value = row[column];
        if (typeof value === 'string') this.add(kind, value);
      }
  }

  /** The entities a predicate pins by equality; all of a kind when it pins none of its column. */
  private predicate(table: TableName, where: Predicate): void {
    for (const [column, kind] of ENTITY_COLUMNS[table] ?? []) {
      const pinned = pinnedValues(where, column);
      if (pinned === null) this.touched.add(wildcardOf(kind));
      else for (const value of pinned) this.add(kind, String(value));
    }
  }

  private add(kind: EntityKind, id: string): void {
    this.touched.add(dependencyOf(kind, id));
  }
}

/**
 * The values a predicate restricts `column` to through an `eq` or `in` of its top-level AND (every
 * matching row has one of them), or null when it does not restrict the column that way.
 */
function pinnedValues(where: Predicate, column: string): readonly ScalarValue[] | null {
  let pinned: readonly ScalarValue[] | null = null;
  for (const c of conjuncts(where)) {
    if (!('column' in c) || c.column !== column) continue;
    if (c.op === 'eq') pinned = [c.value];
    else if (c.op === 'in') pinned = c.values;
  }
  return pinned;
}
