import type { ColumnSpec } from '../catalog/columns.js';
import { physicalColumns, timerangeColumns } from '../catalog/columns.js';
import type { TableSpec } from '../catalog/tables.js';
import { catalog, isTableName } from '../catalog/tables.js';
import { InvalidQueryError } from '../errors.js';
import type { PhysicalKind } from './dialect.js';
import { physicalKinds } from './codec.js';

/** A physical column with the kind of values it holds. */
export interface PhysicalColumn {
  readonly name: string;
  readonly kind: PhysicalKind;
}

/** Catalog facts about one table, resolved once and cached: what the compiler needs, with helpful errors. */
export class TableInfo {
  readonly columnNames: readonly string[];
  /** Physical columns of the whole row, in catalog order. */
  readonly physical: readonly PhysicalColumn[];

  private constructor(
    readonly name: string,
    readonly spec: TableSpec,
  ) {
    this.columnNames = Object.keys(spec.columns);
    this.physical = this.columnNames.flatMap((c) => this.physicalOf(c));
  }

  private static readonly cache = new Map<string, TableInfo>();

  static of(name: unknown): TableInfo {
    if (typeof name !== 'string' || !isTableName(name))
      throw new InvalidQueryError(
        'UNKNOWN_TABLE',
        `unknown table ${JSON.stringify(name)}; known tables: ${Object.keys(catalog).join(', ')}`,
      );
    let info = TableInfo.cache.get(name);
    if (!info) {
      info = new TableInfo(name, catalog[name]);
      TableInfo.cache.set(name, info);
    }
    return info;
  }

  /** The table, for a write: refused for a table the database maintains from another one. */
  static forWrite(name: unknown): TableInfo {
    const info = TableInfo.of(name);
    const maintained = info.spec.maintained;
    if (maintained)
      throw new InvalidQueryError(
        'INVALID_QUERY',
        `${info.name} is kept by the database from ${maintained.from}; write ${maintained.from} instead`,
      );
    return info;
  }

  column(name: unknown): ColumnSpec {
    if (typeof name !== 'string' || !Object.prototype.hasOwnProperty.call(this.spec.columns, name))
      throw new InvalidQueryError(
        'UNKNOWN_COLUMN',
        `table ${this.name} has no column ${JSON.stringify(name)}; its columns are: ${this.columnNames.join(', ')}`,
      );
    return this.spec.columns[name]!;
  }

  physicalOf(column: string): PhysicalColumn[] {
    const spec = this.column(column);
    const names = physicalColumns(column, spec);
    const kinds = physicalKinds(spec);
    return names.map((name, i) => ({ name, kind: kinds[i]! }));
  }

  /**
   * The physical columns that give a logical column's sort order. A timerange sorts by its start in
   * timeline order: (start, startOpen), so `[a` comes before `(a`.
   */
  sortKeysOf(column: string): PhysicalColumn[] {
    const spec = this.column(column);
    if (spec.type !== 'timerange') return this.physicalOf(column);
    const t = timerangeColumns(column);
    return [
      { name: t.start, kind: 'int8' },
      { name: t.startOpen, kind: 'bool' },
    ];
  }

  /** Physical columns of the primary key (a timerange key contributes its start and start marker). */
  primaryKeyPhysical(): PhysicalColumn[] {
    return this.spec.primaryKey.flatMap((c) => this.sortKeysOf(c));
  }

  isUniqueKey(column: string): boolean {
    const pk = this.spec.primaryKey;
    return (pk.length === 1 && pk[0] === column) || (this.spec.unique ?? []).includes(column);
  }
}
