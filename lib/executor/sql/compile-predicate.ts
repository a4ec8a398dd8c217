import { isNonEmpty } from '../../tams/index.js';
import type { ColumnSpec } from '../catalog/columns.js';
import { EQUATABLE_TYPES, ORDERABLE_TYPES, timerangeColumns } from '../catalog/columns.js';
import { InvalidQueryError } from '../errors.js';
import type { Predicate, ScalarValue } from '../predicate.js';
import { describe, encodeScalar, isTimeRange, physicalKinds } from './codec.js';
import type { Dialect, Params } from './dialect.js';
import { quoteIdent } from './dialect.js';
import type { TableInfo } from './table-info.js';

/**
 * Compiles the predicate AST into a parameterised SQL condition, validating it against the catalog on the
 * way: unknown columns, operators that do not fit the column type and malformed nodes are typed errors.
 * Every generated condition is two-valued (never SQL NULL), so NOT behaves as callers expect.
 */

const MAX_DEPTH = 32;
const MAX_IN_VALUES = 10_000;
const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;
export const SQL_TRUE = '(1=1)';
export const SQL_FALSE = '(1=0)';

export interface PredicateContext {
  readonly table: TableInfo;
  readonly dialect: Dialect;
  readonly params: Params;
  /** Columns an `eq` in the top-level AND fixes to one value (enables the timeline window bound). */
  readonly fixed: ReadonlyMap<string, ScalarValue>;
}

function invalid(message: string): InvalidQueryError {
  return new InvalidQueryError('INVALID_PREDICATE', message);
}

export function compilePredicate(ctx: PredicateContext, pred: Predicate | undefined): string {
  if (pred === undefined) return SQL_TRUE;
  return compileNode(ctx, pred, 0, true);
}

function compileNode(ctx: PredicateContext, node: unknown, depth: number, topLevel: boolean): string {
  if (depth > MAX_DEPTH) throw invalid(`predicate nests deeper than ${MAX_DEPTH} levels`);
  if (typeof node !== 'object' || node === null || typeof (node as { op?: unknown }).op !== 'string')
    throw invalid(`expected a predicate node with an "op", got ${describe(node)}`);
  const p = node as Predicate;
  switch (p.op) {
    case 'and':
    case 'or': {
      if (!Array.isArray(p.preds)) throw invalid(`"${p.op}" needs an array "preds"`);
      if (p.preds.length === 0) return p.op === 'and' ? SQL_TRUE : SQL_FALSE;
      const parts = p.preds.map((c) => compileNode(ctx, c, depth + 1, topLevel && p.op === 'and'));
      return `(${parts.join(p.op === 'and' ? ' AND ' : ' OR ')})`;
    }
    case 'not':
      return `(NOT ${compileNode(ctx, p.pred, depth + 1, false)})`;
    case 'eq':
      return compileEq(ctx, p.column, p.value);
    case 'in':
      return compileIn(ctx, p.column, p.values);
    case 'range':
      return compileRange(ctx, p);
    case 'isNull':
      return compileIsNull(ctx, p.column);
    case 'overlaps':
    case 'coveredBy':
    case 'covers':
      return compileTimerangeOp(ctx, p.op, p.column, p.range, topLevel);
    case 'tagEquals':
    case 'tagExists':
      return compileTag(ctx, p);
    default:
      throw invalid(`unknown predicate operator ${JSON.stringify((p as { op: string }).op)}`);
  }
}

function scalarColumn(
  ctx: PredicateContext,
  column: unknown,
  op: string,
  allowed: ReadonlySet<string>,
): ColumnSpec {
  const spec = ctx.table.column(column);
  if (!allowed.has(spec.type))
    throw invalid(
      `operator "${op}" cannot be applied to ${ctx.table.name}.${String(column)} of type ${spec.type}`,
    );
  return spec;
}

function scalarParam(ctx: PredicateContext, column: string, spec: ColumnSpec, value: unknown): string {
  if (value === null || value === undefined)
    throw invalid(`${ctx.table.name}.${column}: compare with a value; use "isNull" to test for NULL`);
  const physical = encodeScalar(ctx.table.name, column, spec, value);
  return ctx.params.add(ctx.dialect.toParam(physicalKinds(spec)[0]!, physical));
}

/** Keeps conditions on nullable columns two-valued. */
function guardNull(spec: ColumnSpec, col: string, condition: string): string {
  return spec.nullable ? `(${col} IS NOT NULL AND ${condition})` : condition;
}

function compileEq(ctx: PredicateContext, column: string, value: unknown): string {
  const spec = scalarColumn(ctx, column, 'eq', EQUATABLE_TYPES);
  const col = quoteIdent(column);
  return guardNull(spec, col, `${col} = ${scalarParam(ctx, column, spec, value)}`);
}

function compileIn(ctx: PredicateContext, column: string, values: unknown): string {
  const spec = scalarColumn(ctx, column, 'in', EQUATABLE_TYPES);
  if (!Array.isArray(values)) throw invalid(`"in" needs an array "values"`);
  if (values.length === 0) return SQL_FALSE;
  if (values.length > MAX_IN_VALUES)
    throw invalid(
      `"in" takes at most ${MAX_IN_VALUES} values (got ${values.length}); use lookup for batches`,
    );
  const kind = physicalKinds(spec)[0]!;
  const converted = values.map((v: unknown) => {
    if (v === null || v === undefined)
      throw invalid(`${ctx.table.name}.${column}: "in" values cannot be null`);
    return ctx.dialect.toParam(kind, encodeScalar(ctx.table.name, column, spec, v));
  });
  const col = quoteIdent(column);
  return guardNull(
    spec,
    col,
    ctx.dialect.inList(col, kind, converted, (v) => ctx.params.add(v)),
  );
}

function compileRange(ctx: PredicateContext, p: Extract<Predicate, { op: 'range' }>): string {
  const spec = scalarColumn(ctx, p.column, 'range', ORDERABLE_TYPES);
  if (p.gt !== undefined && p.gte !== undefined) throw invalid(`"range" takes "gt" or "gte", not both`);
  if (p.lt !== undefined && p.lte !== undefined) throw invalid(`"range" takes "lt" or "lte", not both`);
  const col = quoteIdent(p.column);
  const parts: string[] = [];
  const bounds = [
    ['>', p.gt],
    ['>=', p.gte],
    ['<', p.lt],
    ['<=', p.lte],
  ] as const;
  for (const [op, v] of bounds)
    if (v !== undefined) parts.push(`${col} ${op} ${scalarParam(ctx, p.column, spec, v)}`);
  if (parts.length === 0) throw invalid(`"range" needs at least one of gt, gte, lt, lte`);
  return guardNull(spec, col, parts.length === 1 ? parts[0]! : `(${parts.join(' AND ')})`);
}

function compileIsNull(ctx: PredicateContext, column: string): string {
  const spec = ctx.table.column(column);
  if (!spec.nullable) return SQL_FALSE;
  const col = spec.type === 'timerange' ? timerangeColumns(column).startOpen : column;
  return `${quoteIdent(col)} IS NULL`;
}

function compileTag(ctx: PredicateContext, p: Extract<Predicate, { op: 'tagEquals' | 'tagExists' }>): string {
  const spec = ctx.table.column(p.column);
  if (spec.type !== 'tags')
    throw invalid(`operator "${p.op}" needs a tags column; ${ctx.table.name}.${p.column} is ${spec.type}`);
  if (typeof p.name !== 'string') throw invalid(`"${p.op}" needs a string tag "name"`);
  const textSpec: ColumnSpec = { type: 'text' };
  const name = ctx.params.add(encodeScalar(ctx.table.name, p.column, textSpec, p.name));
  const col = quoteIdent(p.column);
  // A NULL tag map (never set) has no tags: guarded, so `not(tagExists)` selects it.
  if (p.op === 'tagExists') return guardNull(spec, col, ctx.dialect.tagExists(col, name));
  if (typeof p.value !== 'string') throw invalid(`"tagEquals" needs a string tag "value"`);
  const value = ctx.params.add(encodeScalar(ctx.table.name, p.column, textSpec, p.value));
  return guardNull(spec, col, ctx.dialect.tagEquals(col, name, value));
}

/** `col <op> v` for a non-null int8 column, folded to a constant when v lies outside int8. */
function compareInt8(
  ctx: PredicateContext,
  col: string,
  op: '<' | '<=' | '>' | '>=' | '=',
  v: bigint,
): string {
  if (v > INT8_MAX) return op === '<' || op === '<=' ? SQL_TRUE : SQL_FALSE;
  if (v < INT8_MIN) return op === '>' || op === '>=' ? SQL_TRUE : SQL_FALSE;
  return `${col} ${op} ${ctx.params.add(ctx.dialect.toParam('int8', v))}`;
}

function anyOf(...parts: string[]): string {
  return parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`;
}
function allOf(...parts: string[]): string {
  return parts.length === 1 ? parts[0]! : `(${parts.join(' AND ')})`;
}

function compileTimerangeOp(
  ctx: PredicateContext,
  op: 'overlaps' | 'coveredBy' | 'covers',
  column: string,
  r: unknown,
  topLevel: boolean,
): string {
  const spec = ctx.table.column(column);
  if (spec.type !== 'timerange')
    throw invalid(`operator "${op}" needs a timerange column; ${ctx.table.name}.${column} is ${spec.type}`);
  if (!isTimeRange(r)) throw invalid(`"${op}" needs a TimeRange "range", got ${describe(r)}`);
  const names = timerangeColumns(column);
  const c = {
    s: quoteIdent(names.start),
    so: quoteIdent(names.startOpen),
    e: quoteIdent(names.end),
    ec: quoteIdent(names.endClosed),
  };
  const unbounded = !spec.bounded;
  const nonEmptyRow = spec.nullable ? `${c.so} IS NOT NULL` : SQL_TRUE;

  if (op === 'covers' && !isNonEmpty(r)) return nonEmptyRow;
  if (!isNonEmpty(r)) return SQL_FALSE; // nothing overlaps, or lies inside, the empty range

  const parts: string[] = [nonEmptyRow];
  if (op === 'overlaps') {
    if (r.start !== null) {
      const after = r.startInclusive
        ? anyOf(compareInt8(ctx, c.e, '>', r.start), allOf(compareInt8(ctx, c.e, '=', r.start), c.ec))
        : compareInt8(ctx, c.e, '>', r.start);
      parts.push(unbounded ? anyOf(`${c.e} IS NULL`, after) : after);
      const window = timelineLowerBound(ctx, column, r.start, topLevel);
      if (window) parts.push(window);
    }
    if (r.end !== null) {
      const before = r.endInclusive
        ? anyOf(compareInt8(ctx, c.s, '<', r.end), allOf(compareInt8(ctx, c.s, '=', r.end), `NOT ${c.so}`))
        : compareInt8(ctx, c.s, '<', r.end);
      parts.push(unbounded ? anyOf(`${c.s} IS NULL`, before) : before);
    }
  } else if (op === 'coveredBy') {
    if (r.start !== null) {
      const ok = r.startInclusive
        ? compareInt8(ctx, c.s, '>=', r.start)
        : anyOf(compareInt8(ctx, c.s, '>', r.start), allOf(compareInt8(ctx, c.s, '=', r.start), c.so));
      parts.push(unbounded ? allOf(`${c.s} IS NOT NULL`, ok) : ok);
    }
    if (r.end !== null) {
      const ok = r.endInclusive
        ? compareInt8(ctx, c.e, '<=', r.end)
        : anyOf(compareInt8(ctx, c.e, '<', r.end), allOf(compareInt8(ctx, c.e, '=', r.end), `NOT ${c.ec}`));
      parts.push(unbounded ? allOf(`${c.e} IS NOT NULL`, ok) : ok);
      // Redundant for a non-empty row (start <= end <= r.end) but gives the index an upper bound.
      if (!unbounded) parts.push(compareInt8(ctx, c.s, '<=', r.end));
    }
    // An EMPTY row lies inside every non-empty range.
    if (spec.nullable) return anyOf(`${c.so} IS NULL`, allOf(...parts));
  } else {
    parts.push(
      r.start === null
        ? unbounded
          ? `${c.s} IS NULL`
          : SQL_FALSE
        : anyOf(
            ...(unbounded ? [`${c.s} IS NULL`] : []),
            r.startInclusive
              ? anyOf(
                  compareInt8(ctx, c.s, '<', r.start),
                  allOf(compareInt8(ctx, c.s, '=', r.start), `NOT ${c.so}`),
                )
              : compareInt8(ctx, c.s, '<=', r.start),
          ),
    );
    parts.push(
      r.end === null
        ? unbounded
          ? `${c.e} IS NULL`
          : SQL_FALSE
        : anyOf(
            ...(unbounded ? [`${c.e} IS NULL`] : []),
            r.endInclusive
              ? anyOf(compareInt8(ctx, c.e, '>', r.end), allOf(compareInt8(ctx, c.e, '=', r.end), c.ec))
              : compareInt8(ctx, c.e, '>=', r.end),
          ),
    );
  }
  return allOf(...parts);
}

/**
 * On a timeline table (rows of one partition never overlap), a row overlapping [t1, ...) either starts at
 * or after t1, or is the last row starting before t1 (every earlier row ends at or before that one starts).
 * With the partition fixed this turns "end > t1" into an index range on start: the window query reads
 * O(log n + k) rows instead of scanning the partition from its beginning.
 */
function timelineLowerBound(
  ctx: PredicateContext,
  column: string,
  start: bigint,
  topLevel: boolean,
): string | null {
  const timeline = ctx.table.spec.timeline;
  if (!topLevel || !timeline || timeline.column !== column) return null;
  const partitionValue = ctx.fixed.get(timeline.partition);
  if (partitionValue === undefined || start < INT8_MIN || start > INT8_MAX) return null;
  const s = quoteIdent(timerangeColumns(column).start);
  const partSpec = ctx.table.column(timeline.partition);
  const part = scalarParam(ctx, timeline.partition, partSpec, partitionValue);
  const t1 = ctx.params.add(ctx.dialect.toParam('int8', start));
  const t1Again = ctx.params.add(ctx.dialect.toParam('int8', start));
  const table = quoteIdent(ctx.table.name);
  return (
    `${s} >= COALESCE((SELECT ${s} FROM ${table} WHERE ${quoteIdent(timeline.partition)} = ${part} ` +
    `AND ${s} < ${t1} ORDER BY ${s} DESC LIMIT 1), ${t1Again})`
  );
}
