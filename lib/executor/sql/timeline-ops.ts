import { duration, isNonEmpty, makeTimeRange } from '../../tams/index.js';
import type { NonEmptyTimeRange, TimeRange } from '../../tams/index.js';
import type {
  GapsQuery,
  GapsResult,
  IntervalCounts,
  IntervalCountsQuery,
  TimelineBucket,
  TimelineBucketsQuery,
} from '../aggregates.js';
import { MAX_BUCKETS, MAX_GAPS } from '../aggregates.js';
import { timerangeColumns } from '../catalog/columns.js';
import type { TimerangeColumns } from '../catalog/columns.js';
import { InvalidQueryError } from '../errors.js';
import { and, eq, equalityFixedColumns, overlaps, range } from '../predicate.js';
import type { Predicate, ScalarValue } from '../predicate.js';
import { describe, encodeScalar, isTimeRange, physicalKinds } from './codec.js';
import { compilePredicate } from './compile-predicate.js';
import { rowDecoder } from './compile-select.js';
import type { RawRow } from './compile-select.js';
import { Params, quoteIdent } from './dialect.js';
import { toBigint } from './aggregate-ops.js';
import { int8Literal } from './numeric-expr.js';
import type { SqlRunner } from './runner.js';
import { TableInfo } from './table-info.js';

function invalid(message: string): InvalidQueryError {
  return new InvalidQueryError('INVALID_QUERY', message);
}

interface Timeline {
  readonly table: TableInfo;
  readonly partition: string;
  readonly column: string;
  readonly cols: TimerangeColumns;
  readonly window: NonEmptyTimeRange & { start: bigint; end: bigint };
}

/** The timeline facts of a query on one partition inside a bounded, non-empty window. */
function timeline(q: { table: string; window: TimeRange }): Timeline {
  const table = TableInfo.of(q.table);
  const spec = table.spec.timeline;
  if (!spec) throw invalid(`${table.name} is not a timeline table (rows of a partition may overlap)`);
  const w = q.window;
  if (!isTimeRange(w)) throw invalid(`window must be a TimeRange, got ${describe(w)}`);
  if (!isNonEmpty(w) || w.start === null || w.end === null)
    throw invalid('the window must be non-empty and bounded on both sides');
  return {
    table,
    partition: spec.partition,
    column: spec.column,
    cols: timerangeColumns(spec.column),
    window: w as Timeline['window'],
  };
}

function windowCondition(runner: SqlRunner, t: Timeline, partition: ScalarValue) {
  const pred = and(eq(t.partition, partition), overlaps(t.column, t.window));
  const params = new Params(runner.dialect);
  const condition = compilePredicate(
    { table: t.table, dialect: runner.dialect, params, fixed: equalityFixedColumns(pred) },
    pred,
  );
  return { condition, params };
}

interface Edge {
  readonly s: bigint;
  readonly so: boolean;
  readonly e: bigint;
  readonly ec: boolean;
}

function edgeOf(runner: SqlRunner, raw: RawRow | undefined): Edge | undefined {
  if (!raw) return undefined;
  const d = runner.dialect;
  return {
    s: d.fromResult('int8', raw.s) as bigint,
    so: d.fromResult('bool', raw.so) as boolean,
    e: d.fromResult('int8', raw.e) as bigint,
    ec: d.fromResult('bool', raw.ec) as boolean,
  };
}

export async function runGaps(runner: SqlRunner, q: GapsQuery): Promise<GapsResult> {
  const t = timeline(q);
  const minDuration = q.minDuration ?? 0n;
  if (typeof minDuration !== 'bigint' || minDuration < 0n)
    throw invalid(`minDuration must be a non-negative bigint, got ${describe(minDuration)}`);
  if (!Number.isSafeInteger(q.limit) || q.limit < 0 || q.limit > MAX_GAPS)
    throw invalid(`limit must be an integer from 0 to ${MAX_GAPS}, got ${describe(q.limit)}`);
  const c = {
    s: quoteIdent(t.cols.start),
    so: quoteIdent(t.cols.startOpen),
    e: quoteIdent(t.cols.end),
    ec: quoteIdent(t.cols.endClosed),
  };
  const from = quoteIdent(t.table.name);
  const cols = `${c.s} AS s, ${c.so} AS so, ${c.e} AS e, ${c.ec} AS ec`;

  const edge = async (direction: 'ASC' | 'DESC') => {
    const { condition, params } = windowCondition(runner, t, q.partition);
    const rows = await runner.all(
      `SELECT ${cols} FROM ${from} WHERE ${condition} ORDER BY ${c.s} ${direction}, ${c.so} ${direction} LIMIT 1`,
      params.values,
    );
    return edgeOf(runner, rows[0]);
  };
  const first = await edge('ASC');
  const keep = (g: TimeRange): g is NonEmptyTimeRange => isNonEmpty(g) && (duration(g) ?? 0n) >= minDuration;
  if (!first) {
    const all = keep(t.window) ? [t.window] : [];
    return { count: all.length, gaps: all.slice(0, q.limit) };
  }
  const last = (await edge('DESC'))!;
  const leading = makeTimeRange({
    start: t.window.start,
    startInclusive: t.window.startInclusive,
    end: first.s,
    // The gap reaches the first row's start, and includes it when the row leaves it out ("(t_").
    endInclusive: first.so,
  });
  const trailing = makeTimeRange({
    start: last.e,
    startInclusive: !last.ec,
    end: t.window.end,
    endInclusive: t.window.endInclusive,
  });

  // Between consecutive rows (LAG over start order): an uncovered stretch, or the single point both
  // leave out ([0_10) then (10_20) misses 10). Rows of a partition never overlap, so nothing else.
  const { condition, params } = windowCondition(runner, t, q.partition);
  const sql =
    `SELECT w.pe, w.pec, w.s, w.so, count(*) OVER () AS n FROM (` +
    `SELECT ${c.s} AS s, ${c.so} AS so, LAG(${c.e}) OVER (ORDER BY ${c.s}, ${c.so}) AS pe, ` +
    `LAG(${c.ec}) OVER (ORDER BY ${c.s}, ${c.so}) AS pec FROM ${from} WHERE ${condition}) w ` +
    `WHERE w.pe IS NOT NULL AND (w.pe < w.s OR (w.pe = w.s AND (NOT w.pec) AND w.so)) ` +
    `AND w.s - w.pe >= ${int8Literal(minDuration)} ORDER BY w.s, w.so LIMIT ${Math.max(1, q.limit)}`;
  const rows = await runner.all(sql, params.values);
  const d = runner.dialect;
  const middle = rows.map((r) =>
    makeTimeRange({
      start: d.fromResult('int8', r.pe) as bigint,
      startInclusive: !(d.fromResult('bool', r.pec) as boolean),
      end: d.fromResult('int8', r.s) as bigint,
      endInclusive: d.fromResult('bool', r.so) as boolean,
    }),
  );
  const middleCount = rows.length === 0 ? 0 : Number(toBigint(rows[0]!.n));
  const gaps = [...(keep(leading) ? [leading] : []), ...middle, ...(keep(trailing) ? [trailing] : [])];
  return {
    count: middleCount + (keep(leading) ? 1 : 0) + (keep(trailing) ? 1 : 0),
    gaps: gaps.slice(0, q.limit),
  };
}

/** Bucket i starts at start + floor(i × span / n): exact in int8, as i·w + (i·r)/n with w, r = divmod(span, n). */
function bucketBound(start: bigint, w: bigint, r: bigint, n: bigint, i: bigint): bigint {
  return start + i * w + (i * r) / n;
}

export async function runTimelineBuckets(
  runner: SqlRunner,
  q: TimelineBucketsQuery,
): Promise<TimelineBucket[]> {
  const t = timeline(q);
  if (!Number.isSafeInteger(q.buckets) || q.buckets < 1 || q.buckets > MAX_BUCKETS)
    throw invalid(`buckets must be an integer from 1 to ${MAX_BUCKETS}, got ${describe(q.buckets)}`);
  const n = BigInt(q.buckets);
  const { start, end } = t.window;
  const span = end - start;
  const w = span / n;
  const r = span % n;
  const d = runner.dialect;
  const a = d.aggregates;
  const lit = int8Literal;
  const params = new Params(d);
  const partSpec = t.table.column(t.partition);
  const partKind = physicalKinds(partSpec)[0]!;
  const part = () =>
    params.add(d.toParam(partKind, encodeScalar(t.table.name, t.partition, partSpec, q.partition)));
  const from = quoteIdent(t.table.name);
  const p = quoteIdent(t.partition);
  const c = {
    s: `x.${quoteIdent(t.cols.start)}`,
    so: `x.${quoteIdent(t.cols.startOpen)}`,
    e: `x.${quoteIdent(t.cols.end)}`,
    ec: `x.${quoteIdent(t.cols.endClosed)}`,
  };
  const bs = (i: string) => `${lit(start)} + ${i} * ${lit(w)} + (${i} * ${lit(r)}) / ${lit(n)}`;
  // Interior buckets are [bs, be); the first takes the window's start marker, the last its end marker.
  const startClosed = `CASE WHEN b.i = 0 THEN ${t.window.startInclusive ? 1 : 0} ELSE 1 END`;
  const endClosed = `CASE WHEN b.i = ${lit(n - 1n)} THEN ${t.window.endInclusive ? 1 : 0} ELSE 0 END`;
  const innerStart = quoteIdent(t.cols.start);
  // Per bucket the rows are found as the window query finds them: start between the last row starting
  // before the bucket (the only earlier one that can reach into it) and the bucket's end, on the index.
  const sql =
    `WITH RECURSIVE idx(i) AS (SELECT ${lit(0n)} UNION ALL SELECT i + 1 FROM idx WHERE i + 1 < ${lit(n)}), ` +
    `b AS (SELECT i, ${bs('i')} AS bs, CASE WHEN i = ${lit(n - 1n)} THEN ${lit(end)} ELSE ${bs('(i + 1)')} END AS be FROM idx), ` +
    `bl AS (SELECT b.i, b.bs, b.be, ${startClosed} AS sc, ${endClosed} AS ecl, COALESCE((SELECT y.${innerStart} FROM ${from} y ` +
    `WHERE y.${p} = ${part()} AND y.${innerStart} < b.bs ORDER BY y.${innerStart} DESC LIMIT 1), b.bs) AS lo FROM b) ` +
    `SELECT bl.i, count(x.${p}) AS n, ` +
    // CASE: PostgreSQL's LEAST/GREATEST skip NULLs, so a bucket without rows would cover itself.
    `COALESCE(sum(CASE WHEN x.${p} IS NULL THEN 0 ELSE ` +
    `${a.greatest(`${a.least(c.e, 'bl.be')} - ${a.greatest(c.s, 'bl.bs')}`, lit(0n))} END), 0) AS covered ` +
    `FROM bl LEFT JOIN ${from} x ON x.${p} = ${part()} AND ${c.s} >= bl.lo AND ${c.s} <= bl.be ` +
    `AND (${c.s} < bl.be OR (${c.s} = bl.be AND (NOT ${c.so}) AND bl.ecl = 1)) ` +
    `AND (${c.e} > bl.bs OR (${c.e} = bl.bs AND ${c.ec} AND bl.sc = 1)) ` +
    `GROUP BY bl.i ORDER BY bl.i`;
  const rows = await runner.all(sql, params.values);
  const byIndex = new Map(rows.map((row) => [Number(toBigint(row.i)), row]));
  const out: TimelineBucket[] = [];
  for (let i = 0n; i < n; i++) {
    const row = byIndex.get(Number(i));
    out.push({
      range: makeTimeRange({
        start: bucketBound(start, w, r, n, i),
        startInclusive: i === 0n ? t.window.startInclusive : true,
        end: i === n - 1n ? end : bucketBound(start, w, r, n, i + 1n),
        endInclusive: i === n - 1n ? t.window.endInclusive : false,
      }),
      count: Number(toBigint(row?.n) ?? 0n),
      covered: toBigint(row?.covered) ?? 0n,
    });
  }
  return out;
}

export async function runIntervalCounts(
  runner: SqlRunner,
  q: IntervalCountsQuery,
): Promise<IntervalCounts[]> {
  const table = TableInfo.of(q.table);
  const column: string = q.column;
  const spec = table.column(column);
  if (spec.type !== 'datetime') throw invalid(`${table.name}.${column} is not a datetime column`);
  if (!Number.isSafeInteger(q.intervalMs) || q.intervalMs < 1)
    throw invalid(`intervalMs must be a whole number of milliseconds ≥ 1, got ${describe(q.intervalMs)}`);
  if (!Number.isSafeInteger(q.intervals) || q.intervals < 1 || q.intervals > MAX_BUCKETS)
    throw invalid(`intervals must be an integer from 1 to ${MAX_BUCKETS}, got ${describe(q.intervals)}`);
  if (!(q.from instanceof Date) || Number.isNaN(q.from.getTime())) throw invalid('from must be a valid Date');
  const fromMs = BigInt(q.from.getTime());
  const to = new Date(q.from.getTime() + q.intervals * q.intervalMs);
  const partition = q.partitionBy;
  if (partition !== undefined) table.column(partition);
  const pred: Predicate = and(...(q.where ? [q.where] : []), range(q.column, { gte: q.from, lt: to }));
  const d = runner.dialect;
  const params = new Params(d);
  const condition = compilePredicate({ table, dialect: d, params, fixed: equalityFixedColumns(pred) }, pred);
  const bucket = `(${d.aggregates.epochMs(quoteIdent(q.column))} - ${int8Literal(fromMs)}) / ${int8Literal(BigInt(q.intervalMs))}`;
  const p = partition === undefined ? undefined : quoteIdent(partition);
  const sql =
    `SELECT ${p ? `${p}, ` : ''}${bucket} AS b, count(*) AS c FROM ${quoteIdent(table.name)} ` +
    `WHERE ${condition} GROUP BY ${p ? `${p}, ` : ''}${bucket}`;
  const rows = await runner.all(sql, params.values);
  const decoder = partition === undefined ? undefined : rowDecoder(table, [partition], d);
  const series = new Map<string, { partition: unknown; counts: number[] }>();
  for (const row of rows) {
    const value = decoder ? decoder.decode(row)[partition!] : null;
    const key = String(value);
    let s = series.get(key);
    if (!s) {
      s = { partition: value, counts: new Array<number>(q.intervals).fill(0) };
      series.set(key, s);
    }
    const b = Number(toBigint(row.b));
    if (b >= 0 && b < q.intervals) s.counts[b]! += Number(toBigint(row.c));
  }
  if (partition === undefined && series.size === 0)
    return [{ partition: null, counts: new Array<number>(q.intervals).fill(0) }];
  return [...series.values()];
}
