import type { Dialect, PhysicalKind } from '../sql/dialect.js';

/**
 * SQLite physical types: integers (bigint, read with safe integers on), booleans as 0/1, datetimes as
 * epoch milliseconds, JSON as text.
 */
export const sqliteDialect: Dialect = {
  name: 'sqlite',
  placeholder: () => '?',
  trueLiteral: '1',
  // A write transaction holds SQLite's database lock: nothing else can change the rows.
  lockClause: '',

  toParam(kind: PhysicalKind, value: unknown): unknown {
    if (value === null || value === undefined) return null;
    switch (kind) {
      case 'bool':
        return value ? 1 : 0;
      case 'datetime':
        return BigInt((value as Date).getTime());
      case 'int8':
      case 'uuid':
      case 'text':
      case 'json':
        return value;
    }
  },

  fromResult(kind: PhysicalKind, value: unknown): unknown {
    if (value === null || value === undefined) return null;
    switch (kind) {
      case 'int8':
        return typeof value === 'bigint' ? value : BigInt(value as number);
      case 'bool':
        return value !== 0n && value !== 0;
      case 'datetime':
        return new Date(Number(value));
      case 'json':
        return JSON.parse(value as string) as unknown;
      case 'uuid':
      case 'text':
        return value;
    }
  },

  inList(column, _kind, values, param) {
    return `${column} IN (${values.map(param).join(', ')})`;
  },

  // json_each compares keys as plain strings, so any tag name is safe (no JSON-path syntax involved).
  tagEquals(column, nameParam, valueParam) {
    return `EXISTS (SELECT 1 FROM json_each(${column}) WHERE key = ${nameParam} AND type = 'text' AND value = ${valueParam})`;
  },

  tagExists(column, nameParam) {
    return `EXISTS (SELECT 1 FROM json_each(${column}) WHERE key = ${nameParam})`;
  },

  // One writer at a time, seq taken inside its write transaction: seq order is commit order already.
  outbox: { position: 'seq', release: null },

  aggregates: {
    least: (a, b) => `min(${a}, ${b})`,
    greatest: (a, b) => `max(${a}, ${b})`,
    // Datetimes are stored as epoch milliseconds already.
    epochMs: (column) => column,
    // SQLite turns an overflowing integer product into a REAL, so the index stays right up to rounding.
    scaledIndex: (num, factor, den) => `CAST((${num} * ${factor}) / ${den} AS INTEGER)`,
    float: (expr) => `CAST(${expr} AS REAL)`,
    variance: (x, shift) => {
      const y = `CAST((${x} - ${shift}) AS REAL)`;
      return `max(0, avg(${y} * ${y}) - avg(${y}) * avg(${y}))`;
    },
    // No percentile_cont: ranks from row_number() over the sorted values.
    percentileCont: null,
  },
};
