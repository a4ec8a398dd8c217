import type {
  AggregateQuery,
  AggregateRow,
  DistributionQuery,
  DistributionResult,
  DistributionSummary,
} from '../aggregates.js';
import {
  DEFAULT_EXACT_DISTINCT,
  MAX_AGGREGATE_GROUPS,
  MAX_BINS,
  MAX_EXACT_DISTINCT,
  MAX_PERCENTILES,
} from '../aggregates.js';
import { ORDERABLE_TYPES } from '../catalog/columns.js';
import { InvalidQueryError } from '../errors.js';
import type { Predicate } from '../predicate.js';
import { equalityFixedColumns } from '../predicate.js';
import { describe } from './codec.js';
import { compilePredicate } from './compile-predicate.js';
import { rowDecoder } from './compile-select.js';
import { Params, quoteIdent } from './dialect.js';
import { isList } from './is-list.js';
import { compileNumericExpr, int8Literal } from './numeric-expr.js';
import type { SqlRunner } from './runner.js';
import { distributionFromCounts } from './value-counts.js';
import { TableInfo } from './table-info.js';

const INT8_MAX = 2n ** 63n - 1n;
const MEASURE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;

function invalid(message: string): InvalidQueryError {
  return new InvalidQueryError('INVALID_QUERY', message);
}

/** Drivers give aggregates as bigint (int8), number (REAL) or string (PostgreSQL numeric). */
export function toBigint(value: unknown): bigint | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(Math.trunc(value));
  if (typeof value === 'string') return BigInt(value.replace(/\.0*$/, ''));
  throw new InvalidQueryError('INVALID_QUERY', `unexpected aggregate value ${describe(value)}`);
}

export function toNumber(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  return Number(value);
}

function where(table: TableInfo, runner: SqlRunner, pred: Predicate | undefined) {
  const params = new Params(runner.dialect);
  const condition = compilePredicate(
    { table, dialect: runner.dialect, params, fixed: equalityFixedColumns(pred) },
    pred,
  );
  return { condition, params: params.values };
}

export async function runAggregate(runner: SqlRunner, q: AggregateQuery): Promise<AggregateRow[]> {
  const table = TableInfo.of(q.table);
  const dialect = runner.dialect;
  const groupBy: readonly string[] = q.groupBy ?? [];
  if (!isList(groupBy)) throw invalid('groupBy must be an array of column names');
  for (const c of groupBy) {
    const spec = table.column(c);
    if (!ORDERABLE_TYPES.has(spec.type))
      throw invalid(`cannot group by ${table.name}.${c} of type ${spec.type}`);
  }
  const maxGroups = q.maxGroups ?? MAX_AGGREGATE_GROUPS;
  if (!Number.isSafeInteger(maxGroups) || maxGroups < 1 || maxGroups > MAX_AGGREGATE_GROUPS)
    throw invalid(
      `maxGroups must be an integer from 1 to ${MAX_AGGREGATE_GROUPS}, got ${describe(maxGroups)}`,
    );
  if (typeof q.measures !== 'object' || q.measures === null) throw invalid('measures must be an object');
  const names = Object.keys(q.measures);
  if (names.length === 0) throw invalid('an aggregate needs at least one measure');
  const select: string[] = groupBy.map((c) => quoteIdent(c));
  const kinds: Record<string, 'int' | 'float'> = {};
  for (const name of names) {
    if (!MEASURE_NAME.test(name))
      throw invalid(`measure name ${JSON.stringify(name)} is not a plain identifier`);
    const m = q.measures[name]!;
    const alias = quoteIdent(`m_${name}`);
    if (m.fn === 'count') {
      select.push(`count(*) AS ${alias}`);
      kinds[name] = 'int';
      continue;
    }
    if (m.fn !== 'sum' && m.fn !== 'min' && m.fn !== 'max' && m.fn !== 'avg')
      throw invalid(`unknown aggregate function ${describe((m as { fn: unknown }).fn)}`);
    const x = compileNumericExpr(table, m.of, dialect);
    select.push(
      m.fn === 'avg' ? `avg(${dialect.aggregates.float(x)}) AS ${alias}` : `${m.fn}(${x}) AS ${alias}`,
    );
    kinds[name] = m.fn === 'avg' ? 'float' : 'int';
  }
  const { condition, params } = where(table, runner, q.where);
  const groupClause = groupBy.length > 0 ? ` GROUP BY ${groupBy.map((c) => quoteIdent(c)).join(', ')}` : '';
  const sql =
    `SELECT ${select.join(', ')} FROM ${quoteIdent(table.name)} WHERE ${condition}${groupClause}` +
    (groupBy.length > 0 ? ` LIMIT ${maxGroups + 1}` : '');
  const raw = await runner.all(sql, params);
  if (raw.length > maxGroups)
    throw invalid(`the aggregate has more than ${maxGroups} groups; narrow it with a predicate`);
  const decoder = groupBy.length > 0 ? rowDecoder(table, groupBy, dialect) : undefined;
  return raw.map((r) => ({
    group: decoder ? decoder.decode(r) : {},
    values: Object.fromEntries(
      names.map((n) => [n, kinds[n] === 'float' ? toNumber(r[`m_${n}`]) : toBigint(r[`m_${n}`])]),
    ),
  }));
}

/**
 * `WITH v AS (...)`: the values of the distribution, one per matching row, NULLs dropped; with a weight
 * column, `v.w` is how many times the row's value counts (rows of weight 0 or NULL dropped).
 */
function valuesCte(runner: SqlRunner, q: DistributionQuery) {
  const table = TableInfo.of(q.table);
  const x = compileNumericExpr(table, q.of, runner.dialect);
  const { condition, params } = where(table, runner, q.where);
  if (q.weight !== undefined) {
    const spec = table.column(q.weight);
    if (spec.type !== 'int' && spec.type !== 'bigint')
      throw invalid(`a weight must be an int or bigint column; ${table.name}.${q.weight} is ${spec.type}`);
    const w = quoteIdent(q.weight);
    return {
      cte: `WITH v AS (SELECT ${x} AS x, ${w} AS w FROM ${quoteIdent(table.name)} WHERE ${condition} AND ${x} IS NOT NULL AND ${w} > 0)`,
      params,
      weighted: true,
    };
  }
  return {
    cte: `WITH v AS (SELECT ${x} AS x FROM ${quoteIdent(table.name)} WHERE ${condition} AND ${x} IS NOT NULL)`,
    params,
    weighted: false,
  };
}

function checkPercentiles(ps: unknown): readonly number[] {
  if (ps === undefined) return [];
  if (!isList(ps)) throw invalid('percentiles must be an array of fractions');
  if (ps.length > MAX_PERCENTILES) throw invalid(`at most ${MAX_PERCENTILES} percentiles per query`);
  for (const p of ps)
    if (typeof p !== 'number' || !(p >= 0 && p <= 1))
      throw invalid(`a percentile must be a fraction from 0 to 1, got ${describe(p)}`);
  return ps as readonly number[];
}

function checkBins(bins: unknown): number | undefined {
  if (bins === undefined) return undefined;
  if (typeof bins !== 'number' || !Number.isSafeInteger(bins) || bins < 1 || bins > MAX_BINS)
    throw invalid(`bins must be an integer from 1 to ${MAX_BINS}, got ${describe(bins)}`);
  return bins;
}

async function summary(runner: SqlRunner, q: DistributionQuery): Promise<DistributionSummary> {
  const { cte, params, weighted } = valuesCte(runner, q);
  const a = runner.dialect.aggregates;
  // One pass: count, extremes, mean and variance together (the shift is the first value read).
  // Weighted: Σw·d² − (Σw·d)²/Σw over Σw, of d = x − shift.
  const d = a.float('v.x - k.k');
  const n = a.float('sum(v.w)');
  const sql = weighted
    ? `${cte} SELECT sum(v.w) AS n, min(v.x) AS mn, max(v.x) AS mx, sum(v.w * ${a.float('v.x')}) / ${n} AS mean, ` +
      `(sum(v.w * ${d} * ${d}) - sum(v.w * ${d}) * sum(v.w * ${d}) / ${n}) / ${n} AS var ` +
      `FROM v, (SELECT x AS k FROM v LIMIT 1) k`
    : `${cte} SELECT count(*) AS n, min(v.x) AS mn, max(v.x) AS mx, avg(${a.float('v.x')}) AS mean, ` +
      `${a.variance('v.x', 'k.k')} AS var FROM v, (SELECT x AS k FROM v LIMIT 1) k`;
  const row = (await runner.all(sql, params))[0] ?? {};
  const count = Number(toBigint(row.n) ?? 0n);
  const variance = toNumber(row.var);
  return {
    count,
    min: count === 0 ? null : toBigint(row.mn),
    max: count === 0 ? null : toBigint(row.mx),
    mean: count === 0 ? null : toNumber(row.mean),
    stddev: count === 0 || variance === null ? null : Math.sqrt(Math.max(0, variance)),
  };
}

/** Linear interpolation between closest ranks (numpy's default, PostgreSQL's percentile_cont). */
async function percentiles(runner: SqlRunner, q: DistributionQuery, ps: readonly number[], n: number) {
  if (ps.length === 0) return [];
  if (n === 0) return ps.map((p) => ({ p, value: null }));
  const native = runner.dialect.aggregates.percentileCont;
  if (q.weight !== undefined) return weightedPercentiles(runner, q, ps, n);
  if (native) {
    // Fractions are numbers the executor checked to lie in [0, 1]; String() of such a number is a literal.
    const { cte, params } = valuesCte(runner, q);
    const row = (await runner.all(`${cte} SELECT ${native('v.x', ps)} AS ps FROM v`, params))[0];
    const values = (row?.ps ?? []) as unknown[];
    return ps.map((p, i) => ({ p, value: toNumber(values[i]) }));
  }
  const plan = ps.map((p) => {
    const h = p * (n - 1);
    const lo = Math.floor(h);
    return { p, lo, hi: Math.min(lo + 1, n - 1), frac: h - lo };
  });
  const ranks = [...new Set(plan.flatMap((r) => [r.lo, r.hi]))];
  const { cte, params } = valuesCte(runner, q);
  // One sort for all the ranks; ranks are integers the executor computed, inlined as literals.
  const sql =
    `${cte} SELECT r.x, r.rn FROM (SELECT x, row_number() OVER (ORDER BY x) - 1 AS rn FROM v) r ` +
    `WHERE r.rn IN (${ranks.map((k) => String(k)).join(', ')})`;
  const byRank = new Map<number, bigint>();
  for (const row of await runner.all(sql, params)) byRank.set(Number(toBigint(row.rn)), toBigint(row.x)!);
  return plan.map(({ p, lo, hi, frac }) => {
    const a = byRank.get(lo);
    const b = byRank.get(hi);
    if (a === undefined || b === undefined) return { p, value: null }; // rows vanished between queries
    return { p, value: frac === 0 ? Number(a) : Number(a) + Number(b - a) * frac };
  });
}

/** Percentiles of weighted values: the value at rank k is the row whose cumulative weight passes k. */
async function weightedPercentiles(
  runner: SqlRunner,
  q: DistributionQuery,
  ps: readonly number[],
  n: number,
) {
  const plan = ps.map((p) => {
    const h = p * (n - 1);
    const lo = Math.floor(h);
    return { p, lo, hi: Math.min(lo + 1, n - 1), frac: h - lo };
  });
  const ranks = [...new Set(plan.flatMap((r) => [r.lo, r.hi]))];
  const { cte, params } = valuesCte(runner, q);
  // Ranks are integers the executor computed, inlined as literals.
  const hit = ranks.map((k) => `(c.cum > ${k} AND c.cum - c.w <= ${k})`).join(' OR ');
  const sql =
    `${cte} SELECT c.x, c.cum - c.w AS lo, c.cum AS hi FROM ` +
    `(SELECT x, w, sum(w) OVER (ORDER BY x ROWS UNBOUNDED PRECEDING) AS cum FROM v) c WHERE ${hit}`;
  const spans = (await runner.all(sql, params)).map((r) => ({
    x: toBigint(r.x)!,
    lo: Number(toBigint(r.lo)),
    hi: Number(toBigint(r.hi)),
  }));
  const at = (k: number) => spans.find((s) => s.lo <= k && k < s.hi)?.x;
  return plan.map(({ p, lo, hi, frac }) => {
    const a = at(lo);
    const b = at(hi);
    if (a === undefined || b === undefined) return { p, value: null }; // rows vanished between queries
    return { p, value: frac === 0 ? Number(a) : Number(a) + Number(b - a) * frac };
  });
}

/** Equal-width bins from min to max, the last closed; bin i holds min + i·w ≤ x < min + (i+1)·w. */
async function histogram(
  runner: SqlRunner,
  q: DistributionQuery,
  bins: number,
  s: DistributionSummary,
): Promise<DistributionResult['histogram']> {
  if (s.count === 0 || s.min === null || s.max === null) return [];
  if (s.min === s.max) return [{ lower: Number(s.min), upper: Number(s.max), count: s.count }];
  const { cte, params, weighted } = valuesCte(runner, q);
  const mn = int8Literal(s.min);
  const width = int8Literal(s.max - s.min);
  // Exact int8 arithmetic while (max − min) × bins fits (any realistic spread); the dialect's overflow-safe
  // form (numeric / REAL, several times slower per row) only beyond.
  const index =
    (s.max - s.min) * BigInt(bins) <= INT8_MAX
      ? `((x - ${mn}) * ${bins}) / ${width}`
      : runner.dialect.aggregates.scaledIndex(`(x - ${mn})`, String(bins), width);
  const sql =
    `${cte} SELECT h.b, ${weighted ? 'sum(h.w)' : 'count(*)'} AS c FROM (SELECT CASE WHEN x >= ${int8Literal(s.max)} ` +
    `THEN ${bins - 1} ELSE ${index} END AS b${weighted ? ', w' : ''} FROM v) h GROUP BY h.b`;
  const counts = new Array<number>(bins).fill(0);
  for (const row of await runner.all(sql, params)) {
    const b = Number(toBigint(row.b));
    // Rows written between the summary and this query may fall outside [min, max]: clamp them.
    counts[Math.min(bins - 1, Math.max(0, b))]! += Number(toBigint(row.c));
  }
  const lo = Number(s.min);
  const span = Number(s.max - s.min);
  return counts.map((count, i) => ({
    lower: lo + (span * i) / bins,
    upper: i === bins - 1 ? Number(s.max) : lo + (span * (i + 1)) / bins,
    count,
  }));
}

/** The distinct values of the distribution with their counts, sorted; null when there are more than `limit`. */
async function valueCounts(runner: SqlRunner, q: DistributionQuery, limit: number) {
  const { cte, params, weighted } = valuesCte(runner, q);
  const rows = await runner.all(
    `${cte} SELECT x, ${weighted ? 'sum(w)' : 'count(*)'} AS c FROM v GROUP BY x ORDER BY x LIMIT ${limit + 1}`,
    params,
  );
  if (rows.length > limit) return null;
  return rows.map((r) => [toBigint(r.x)!, Number(toBigint(r.c))] as const);
}

export async function runDistribution(runner: SqlRunner, q: DistributionQuery): Promise<DistributionResult> {
  const ps = checkPercentiles(q.percentiles);
  const bins = checkBins(q.bins);
  const limit = q.exactDistinctLimit ?? DEFAULT_EXACT_DISTINCT;
  if (!Number.isSafeInteger(limit) || limit < 0 || limit > MAX_EXACT_DISTINCT)
    throw invalid(
      `exactDistinctLimit must be an integer from 0 to ${MAX_EXACT_DISTINCT}, got ${describe(limit)}`,
    );
  // Few distinct values (the usual case): everything from one grouped pass. Otherwise the SQL path.
  if (limit > 0) {
    const counts = await valueCounts(runner, q, limit);
    if (counts) return distributionFromCounts(counts, ps, bins);
  }
  const s = await summary(runner, q);
  return {
    ...s,
    percentiles: await percentiles(runner, q, ps, s.count),
    histogram: bins === undefined ? [] : await histogram(runner, q, bins, s),
  };
}
