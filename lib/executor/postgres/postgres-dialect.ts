import type { Dialect, PhysicalKind } from '../sql/dialect.js';

/** PostgreSQL type of each physical kind (used for array casts of bulk inserts and IN lists). */
export const PG_TYPES: Readonly<Record<PhysicalKind, string>> = {
  uuid: 'uuid',
  text: 'text',
  int8: 'int8',
  bool: 'bool',
  datetime: 'timestamptz',
  json: 'jsonb',
};

/**
 * PostgreSQL physical types: uuid, int8 (read as bigint through the pool's type parser), boolean,
 * timestamptz, jsonb. Parameters are sent as text where JS types would lose precision.
 */
export const postgresDialect: Dialect = {
  name: 'postgres',
  placeholder: (n) => `$${n}`,
  trueLiteral: 'TRUE',
  lockClause: ' FOR UPDATE',

  toParam(kind: PhysicalKind, value: unknown): unknown {
    if (value === null || value === undefined) return null;
    switch (kind) {
      case 'int8':
        return (value as bigint).toString();
      case 'datetime':
        return (value as Date).toISOString();
      case 'bool':
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
        return typeof value === 'bigint' ? value : BigInt(value as string);
      case 'datetime':
        return value instanceof Date ? value : new Date(value as string);
      case 'bool':
      case 'uuid':
      case 'text':
      case 'json': // pg already parsed jsonb
        return value;
    }
  },

  inList(column, kind, values, param) {
    return `${column} = ANY(${param(values)}::${PG_TYPES[kind]}[])`;
  },

  // Containment and key existence are the two jsonb operators a GIN index on the tags column serves.
  tagEquals(column, nameParam, valueParam) {
    return `${column} @> jsonb_build_object(${nameParam}::text, ${valueParam}::text)`;
  },

  tagExists(column, nameParam) {
    return `${column} ? ${nameParam}::text`;
  },
};
