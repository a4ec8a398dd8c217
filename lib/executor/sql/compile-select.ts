import { InvalidQueryError } from '../errors.js';
import { decodePageKey, encodePageKey, orderFingerprint } from '../page-key.js';
import type { Predicate } from '../predicate.js';
import { equalityFixedColumns } from '../predicate.js';
import type { AnyOrderTerm } from '../types.js';
import { MAX_PAGE_SIZE } from '../types.js';
import { decodeColumn } from './codec.js';
import { compilePredicate } from './compile-predicate.js';
import type { Dialect } from './dialect.js';
import { limitClause, Params, quoteIdent } from './dialect.js';
import { isList } from './is-list.js';
import type { PhysicalColumn } from './table-info.js';
import { TableInfo } from './table-info.js';

export type RawRow = Record<string, unknown>;

/** Turns raw driver rows into logical rows of a projection. Built once per query shape. */
export interface RowDecoder {
  readonly physical: readonly PhysicalColumn[];
  decode(raw: RawRow): Record<string, unknown>;
}

const decoderCache = new Map<string, RowDecoder>();

export function rowDecoder(table: TableInfo, columns: readonly string[], dialect: Dialect): RowDecoder {
  const cacheKey = `${dialect.name}|${table.name}|${columns.join(',')}`;
  const cached = decoderCache.get(cacheKey);
  if (cached) return cached;
  // One closure per column, prepared once: decoding is on the hot path of every listing.
  const plan = columns.map((name) => {
    const spec = table.column(name);
    const physical = table.physicalOf(name);
    if (physical.length === 1) {
      const [{ name: col, kind }] = physical as [PhysicalColumn];
      return {
        name,
        physical,
        read: (raw: RawRow) => decodeColumn(spec, [dialect.fromResult(kind, raw[col])]),
      };
    }
    return {
      name,
      physical,
      read: (raw: RawRow) =>
        decodeColumn(
          spec,
          physical.map((p) => dialect.fromResult(p.kind, raw[p.name])),
        ),
    };
  });
  const decoder: RowDecoder = {
    physical: plan.flatMap((c) => c.physical),
    decode(raw) {
      const row: Record<string, unknown> = {};
      for (const c of plan) row[c.name] = c.read(raw);
      return row;
    },
  };
  decoderCache.set(cacheKey, decoder);
  return decoder;
}

export function projection(table: TableInfo, columns: readonly string[] | undefined): readonly string[] {
  if (columns === undefined) return table.columnNames;
  if (!isList(columns) || columns.length === 0)
    throw new InvalidQueryError('INVALID_QUERY', 'columns must be a non-empty array of column names');
  for (const c of columns) table.column(c);
  return [...new Set(columns)];
}

/** A physical sort key; `nullable` only for a nullable first order term (sorted NULLS LAST). */
export interface SortKey extends PhysicalColumn {
  readonly nullable: boolean;
}

export interface SortPlan {
  readonly keys: readonly SortKey[];
  readonly directions: readonly ('asc' | 'desc')[];
  readonly fingerprint: string;
}

/**
 * Plans made so far, by what decides them: the table, the order terms as given, and which primary key
 * columns an equality fixes. A plan depends on nothing else, and a listing's few shapes recur on every
 * request (issue 15 §3: plans cached, not rebuilt per read). Bounded: only valid plans are kept.
 */
const sortPlans = new Map<string, SortPlan>();
const MAX_SORT_PLANS = 1000;

/** The total sort order of a query: the requested terms, then the primary key minus fixed columns. */
export function sortPlan(
  table: TableInfo,
  orderBy: readonly AnyOrderTerm[] | undefined,
  where: Predicate | undefined,
): SortPlan {
  if (orderBy !== undefined && !isList(orderBy))
    throw new InvalidQueryError('INVALID_QUERY', 'orderBy must be an array of { column, direction }');
  const fixed = equalityFixedColumns(where);
  // JSON, so that no column text can make two different orders one key (and no value's toString runs).
  const key = JSON.stringify([
    table.name,
    (orderBy ?? []).map((t) => [t.column, t.direction ?? 'asc']),
    table.spec.primaryKey.filter((c) => fixed.has(c)),
  ]);
  let plan = sortPlans.get(key);
  if (plan === undefined) {
    plan = buildSortPlan(table, orderBy, fixed);
    if (sortPlans.size < MAX_SORT_PLANS) sortPlans.set(key, plan);
  }
  return plan;
}

function buildSortPlan(
  table: TableInfo,
  orderBy: readonly AnyOrderTerm[] | undefined,
  fixed: ReadonlyMap<string, unknown>,
): SortPlan {
  const keys: SortKey[] = [];
  const directions: ('asc' | 'desc')[] = [];
  const seen = new Set<string>();
  let last: 'asc' | 'desc' = 'asc';
  for (const [position, term] of (orderBy ?? []).entries()) {
    const spec = table.column(term.column);
    const direction = term.direction ?? 'asc';
    if (direction !== 'asc' && direction !== 'desc')
      throw new InvalidQueryError(
        'INVALID_QUERY',
        `order direction must be "asc" or "desc", got ${String(direction)}`,
      );
    if (
      spec.type === 'json' ||
      spec.type === 'tags' ||
      (spec.type === 'timerange' && (!spec.bounded || spec.nullable))
    )
      throw new InvalidQueryError(
        'INVALID_QUERY',
        `cannot order by ${table.name}.${term.column}: only scalar columns and non-null bounded timeranges sort`,
      );
    // NULLS LAST in both directions needs the query split in two (nulls-last-select.ts), which only
    // stays an index seek when the nullable column leads the order.
    const nullable = spec.nullable === true;
    if (nullable && position > 0)
      throw new InvalidQueryError(
        'INVALID_QUERY',
        `cannot order by ${table.name}.${term.column} after another column: a nullable column sorts only first`,
      );
    for (const k of table.sortKeysOf(term.column))
      if (!seen.has(k.name)) {
        seen.add(k.name);
        keys.push({ ...k, nullable });
        directions.push(direction);
      }
    last = direction;
  }
  for (const pkColumn of table.spec.primaryKey) {
    if (fixed.has(pkColumn)) continue;
    for (const k of table.sortKeysOf(pkColumn))
      if (!seen.has(k.name)) {
        seen.add(k.name);
        keys.push({ ...k, nullable: false });
        directions.push(last);
      }
  }
  const shape = `${table.name}|${keys
    .map((k, i) => `${k.name}:${directions[i]}${k.nullable ? ':nulls-last' : ''}`)
    .join(',')}`;
  return { keys, directions, fingerprint: orderFingerprint(shape) };
}

/** The ORDER BY terms; nullable keys sort NULLS LAST unless `nullState` says a part holds one state only. */
export function orderByClause(plan: SortPlan, nullState = false): string {
  return plan.keys
    .map(
      (k, i) =>
        `${quoteIdent(k.name)} ${plan.directions[i] === 'desc' ? 'DESC' : 'ASC'}` +
        (k.nullable && !nullState ? ' NULLS LAST' : ''),
    )
    .join(', ');
}

/**
 * ` ORDER BY ...`, or nothing when an equality fixes the whole primary key (at most one row matches, and
 * there is nothing left to sort by).
 */
export function orderBySuffix(plan: SortPlan): string {
  let suffix = orderBySuffixes.get(plan);
  if (suffix === undefined) {
    suffix = plan.keys.length ? ` ORDER BY ${orderByClause(plan)}` : '';
    orderBySuffixes.set(plan, suffix);
  }
  return suffix;
}

const orderBySuffixes = new WeakMap<SortPlan, string>();

/**
 * Rows strictly after `values` in the plan's order, for non-null values. Row-value comparison when
 * directions agree (indexable).
 */
export function keysetCondition(
  plan: SortPlan,
  values: readonly unknown[],
  params: Params,
  dialect: Dialect,
): string {
  // Parameters are added in the order they appear in the SQL text: `?` placeholders are positional.
  const param = (i: number) => params.add(dialect.toParam(plan.keys[i]!.kind, values[i]));
  const cols = plan.keys.map((k) => quoteIdent(k.name));
  const uniform = plan.directions.every((d) => d === plan.directions[0]);
  if (uniform) {
    const op = plan.directions[0] === 'desc' ? '<' : '>';
    if (cols.length === 1) return `${cols[0]} ${op} ${param(0)}`;
    // The redundant first-column bound lets planners that do not index row values still seek.
    const first = `${cols[0]} ${op}= ${param(0)}`;
    return `(${first} AND (${cols.join(', ')}) ${op} (${cols.map((_, i) => param(i)).join(', ')}))`;
  }
  const alternatives = cols.map((col, i) => {
    const equalPrefix = cols.slice(0, i).map((c, j) => `${c} = ${param(j)}`);
    const op = plan.directions[i] === 'desc' ? '<' : '>';
    return `(${[...equalPrefix, `${col} ${op} ${param(i)}`].join(' AND ')})`;
  });
  return `(${alternatives.join(' OR ')})`;
}

interface NullsLastInput {
  readonly table: TableInfo;
  readonly dialect: Dialect;
  readonly params: Params;
  readonly where: Predicate | undefined;
  readonly plan: SortPlan;
  /** The decoded page key; its first value is null when the previous page ended among the nulls. */
  readonly after: readonly unknown[] | null;
  readonly limit: number;
}

/**
 * A page ordered by a nullable first key, NULLS LAST in both directions, as two index seeks in one
 * statement: the rows with a value (keyset on every key), then the rows without one (keyset on the keys
 * after it), each limited, merged by null state. A single `ORDER BY x NULLS LAST` with an
 * `OR x IS NULL` keyset would not seek: PostgreSQL's btree gives DESC NULLS FIRST on a backward scan,
 * and neither backend seeks through the OR. Within each part the null state is fixed, so each part's
 * ORDER BY is the plain one a (column, id) index serves in either direction, on both backends.
 */
function nullsLastSelect(input: NullsLastInput, columns: readonly string[]): string {
  const { table, dialect, params, where, plan, after, limit } = input;
  const lead = quoteIdent(plan.keys[0]!.name);
  const rest: SortPlan = {
    keys: plan.keys.slice(1),
    directions: plan.directions.slice(1),
    fingerprint: plan.fingerprint,
  };
  const fixed = equalityFixedColumns(where);
  const list = columns.map(quoteIdent).join(', ');
  const afterNull = after !== null && after[0] === null;
  // Parameters are added in SQL text order (positional `?` on SQLite): build each part left to right.
  const part = (nulls: 0 | 1): string => {
    const conditions = [compilePredicate({ table, dialect, params, fixed }, where)];
    // A part the page key has already passed is empty (and left unsorted).
    let empty = false;
    if (nulls === 0) {
      conditions.push(`${lead} IS NOT NULL`);
      if (afterNull) empty = true;
      else if (after !== null) conditions.push(keysetCondition(plan, after, params, dialect));
    } else {
      conditions.push(`${lead} IS NULL`);
      if (afterNull) {
        if (rest.keys.length) conditions.push(keysetCondition(rest, after.slice(1), params, dialect));
        else empty = true;
      }
    }
    if (empty) conditions.push('1 = 0');
    const order = nulls === 0 ? plan : rest;
    const orderBy = order.keys.length && !empty ? ` ORDER BY ${orderByClause(order, true)}` : '';
    return (
      `SELECT * FROM (SELECT ${nulls} AS ${quoteIdent(NULLS_COLUMN)}, ${list} FROM ${quoteIdent(table.name)} ` +
      `WHERE ${conditions.join(' AND ')}${orderBy} ${limitClause(limit + 1)}) ` +
      `AS ${nulls ? 'without_value' : 'with_value'}`
    );
  };
  const withValue = part(0);
  const withoutValue = part(1);
  return (
    `SELECT ${list} FROM (${withValue} UNION ALL ${withoutValue}) AS page ` +
    `ORDER BY ${quoteIdent(NULLS_COLUMN)}, ${orderByClause(plan, true)} ${limitClause(limit + 1)}`
  );
}

/** Which part of a nulls-last page a row came from (0: has a value, 1: null). */
const NULLS_COLUMN = '__nulls';

export interface CompiledSelect {
  readonly sql: string;
  readonly params: unknown[];
  readonly limit: number;
  readonly decoder: RowDecoder;
  readonly plan: SortPlan;
}

export function checkLimit(limit: unknown, max = MAX_PAGE_SIZE): number {
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1 || limit > max)
    throw new InvalidQueryError(
      'INVALID_QUERY',
      `limit must be an integer from 1 to ${max}, got ${String(limit)}`,
    );
  return limit;
}

export interface SelectInput {
  readonly table: string;
  readonly columns?: readonly string[];
  readonly where?: Predicate;
  readonly orderBy?: readonly AnyOrderTerm[];
  readonly limit: number;
  readonly after?: string | null;
  readonly lock?: boolean;
}

/** SELECT with projection, predicate, total order, keyset position and LIMIT (one extra row to detect a next page). */
export function compileSelect(
  q: SelectInput,
  dialect: Dialect,
  params = new Params(dialect),
): CompiledSelect {
  if (typeof q !== 'object' || q === null)
    throw new InvalidQueryError('INVALID_QUERY', 'query must be an object');
  const table = TableInfo.of(q.table);
  const limit = checkLimit(q.limit);
  const decoder = rowDecoder(table, projection(table, q.columns), dialect);
  const plan = sortPlan(table, q.orderBy, q.where);
  const after =
    q.after === undefined || q.after === null
      ? null
      : decodePageKey(
          q.after,
          plan.fingerprint,
          plan.keys.map((k) => k.kind),
          plan.keys.map((k) => k.nullable),
        );
  const selected = selection(decoder, plan);
  if (plan.keys[0]?.nullable) {
    if (q.lock)
      throw new InvalidQueryError('INVALID_QUERY', 'a select ordered by a nullable column cannot lock rows');
    const sql = nullsLastSelect(
      { table, dialect, params, where: q.where, plan, after, limit },
      selected.names,
    );
    return { sql, params: params.values, limit, decoder, plan };
  }
  const conditions = [
    compilePredicate({ table, dialect, params, fixed: equalityFixedColumns(q.where) }, q.where),
  ];
  if (after !== null) conditions.push(keysetCondition(plan, after, params, dialect));
  const sql =
    `SELECT ${selected.list} FROM ${quoteIdent(table.name)} ` +
    `WHERE ${conditions.join(' AND ')}${orderBySuffix(plan)} ${limitClause(limit + 1)}` +
    (q.lock ? dialect.lockClause : '');
  return { sql, params: params.values, limit, decoder, plan };
}

/** The columns a select reads: the projection's, then the sort keys it lacks; their names and quoted list. */
interface Selection {
  readonly names: readonly string[];
  /** `"a", "b"` */
  readonly list: string;
}

/** Made once per decoder and plan: a listing's few shapes recur on every request. */
const selections = new WeakMap<RowDecoder, WeakMap<SortPlan, Selection>>();

function selection(decoder: RowDecoder, plan: SortPlan): Selection {
  let byPlan = selections.get(decoder);
  if (!byPlan) selections.set(decoder, (byPlan = new WeakMap()));
  let selected = byPlan.get(plan);
  if (!selected) {
    const names = [...new Set([...decoder.physical, ...plan.keys].map((c) => c.name))];
    selected = { names, list: names.map(quoteIdent).join(', ') };
    byPlan.set(plan, selected);
  }
  return selected;
}

/** Column that tells which query of a batch a row belongs to. */
export const BATCH_COLUMN = '__batch';
const BATCH_POSITION = '__position';
/** Queries per statement of a batch (SQLite allows 500 terms in a compound SELECT). */
export const MAX_BATCH_QUERIES = 100;

/**
 * Several selects of one table and projection as one statement: each keeps its own predicate, order,
 * limit and page key (so each is still an index seek), and rows are tagged with their query's index.
 * This is what lets a DataLoader fetch the first page of segments of N flows in one round trip.
 */
export function compileSelectBatch(queries: readonly SelectInput[], dialect: Dialect) {
  if (!isList(queries) || queries.length === 0 || queries.length > MAX_BATCH_QUERIES)
    throw new InvalidQueryError('INVALID_QUERY', `a batch holds 1 to ${MAX_BATCH_QUERIES} queries`);
  if (queries.some((q) => q.lock))
    throw new InvalidQueryError(
      'INVALID_QUERY',
      'batched selects cannot lock rows; select them in a transaction',
    );
  const params = new Params(dialect);
  const compiled = queries.map((q) => compileSelect(q, dialect, params));
  const columns = compiled.map((c) => c.sql.slice(0, c.sql.indexOf(' FROM ')));
  if (columns.some((c) => c !== columns[0]) || queries.some((q) => q.table !== queries[0]!.table))
    throw new InvalidQueryError(
      'INVALID_QUERY',
      'batched queries must read the same table, columns and sort keys',
    );
  // UNION ALL alone promises no row order: number each branch's rows in the order its own ORDER BY
  // produced them, and order the whole result by (query, position).
  const sql =
    compiled
      .map(
        (c, i) =>
          `SELECT ${i} AS ${quoteIdent(BATCH_COLUMN)}, row_number() OVER () AS ${quoteIdent(BATCH_POSITION)}, ` +
          `b${i}.* FROM (${c.sql}) AS b${i}`,
      )
      .join(' UNION ALL ') + ` ORDER BY ${quoteIdent(BATCH_COLUMN)}, ${quoteIdent(BATCH_POSITION)}`;
  return { sql, params: params.values, compiled };
}

/** Splits fetched rows (limit + 1) into a page and the key of the next one. */
export function toPage(
  compiled: CompiledSelect,
  raw: RawRow[],
  dialect: Dialect,
): { rows: Record<string, unknown>[]; nextPageKey: string | null } {
  const hasMore = raw.length > compiled.limit;
  const pageRows = hasMore ? raw.slice(0, compiled.limit) : raw;
  let nextPageKey: string | null = null;
  if (hasMore) {
    const lastRow = pageRows[pageRows.length - 1]!;
    const { keys } = compiled.plan;
    nextPageKey = encodePageKey(
      compiled.plan.fingerprint,
      keys.map((k) => k.kind),
      keys.map((k) => dialect.fromResult(k.kind, lastRow[k.name])),
    );
  }
  return { rows: pageRows.map((r) => compiled.decoder.decode(r)), nextPageKey };
}

export function compileCount(tableName: string, where: Predicate | undefined, dialect: Dialect) {
  const table = TableInfo.of(tableName);
  const params = new Params(dialect);
  const condition = compilePredicate({ table, dialect, params, fixed: equalityFixedColumns(where) }, where);
  return {
    sql: `SELECT count(*) AS n FROM ${quoteIdent(table.name)} WHERE ${condition}`,
    params: params.values,
  };
}
