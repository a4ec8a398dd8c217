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

/** Advisory lock key of the outbox releaser (the migration lock is [1952542061, 1]). */
const OUTBOX_RELEASE_LOCK = [1952542061, 2] as const;

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

  // seq is taken at insert and transactions commit out of seq order. One releaser at a time (the lock is
  // held until its transaction commits) numbers the committed rows it sees after the highest position so
  // far, in seq order; a row that commits later gets a later position, so nothing is skipped. The release
  // statement runs after the lock is granted, so its snapshot sees the previous releaser's numbers.
  outbox: {
    position: 'release_seq',
    release: {
      tryLock: `SELECT pg_try_advisory_xact_lock(${OUTBOX_RELEASE_LOCK.join(', ')}) AS ok`,
      lock: `SELECT pg_advisory_xact_lock(${OUTBOX_RELEASE_LOCK.join(', ')})`,
      release: (batchParam) =>
        'UPDATE event_outbox o SET release_seq = b.base + n.rn ' +
        'FROM (SELECT seq, row_number() OVER (ORDER BY seq) AS rn FROM (SELECT seq FROM event_outbox ' +
        `WHERE release_seq IS NULL ORDER BY seq LIMIT ${batchParam}) pending) n, ` +
        '(SELECT coalesce(max(release_seq), 0) AS base FROM event_outbox) b WHERE o.seq = n.seq',
    },
  },

  aggregates: {
    least: (a, b) => `LEAST(${a}, ${b})`,
    greatest: (a, b) => `GREATEST(${a}, ${b})`,
    epochMs: (column) => `floor(extract(epoch FROM ${column}) * 1000)::int8`,
    // numeric: int8 arithmetic would raise "bigint out of range" on a wide span times many bins.
    scaledIndex: (num, factor, den) => `floor((${num})::numeric * ${factor} / ${den})::int8`,
    float: (expr) => `(${expr})::float8`,
    // var_pop on float8 is PostgreSQL's numerically stable (Youngs–Cramer) one-pass algorithm.
    variance: (x) => `var_pop((${x})::float8)`,
    percentileCont: (x, fractions) =>
      `percentile_cont(ARRAY[${fractions.map((p) => `${p}::float8`).join(', ')}]) WITHIN GROUP (ORDER BY (${x})::float8)`,
  },
};
