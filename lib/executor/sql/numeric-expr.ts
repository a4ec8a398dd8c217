import { isNonEmpty } from '../../tams/index.js';
import type { NumericExpr } from '../aggregates.js';
import { timerangeColumns } from '../catalog/columns.js';
import { InvalidQueryError } from '../errors.js';
import { describe, isTimeRange } from './codec.js';
import type { Dialect } from './dialect.js';
import { quoteIdent } from './dialect.js';
import type { TableInfo } from './table-info.js';

const NUMERIC_TYPES: ReadonlySet<string> = new Set(['int', 'bigint', 'timestamp']);

/** An int8 SQL literal. Only ever built from bigints the executor computed, never from caller text. */
export function int8Literal(value: bigint): string {
  return `CAST(${value.toString()} AS BIGINT)`;
}

function invalid(message: string): InvalidQueryError {
  return new InvalidQueryError('INVALID_QUERY', message);
}

/**
 * A numeric expression as SQL (an int8 value per row), validated against the catalog. Constants are
 * inlined as int8 literals, so the expression adds no parameters and can appear anywhere in a statement.
 */
export function compileNumericExpr(
  table: TableInfo,
  expr: NumericExpr,
  dialect: Dialect,
  alias = '',
): string {
  if (typeof expr !== 'object' || expr === null)
    throw invalid(`expected a numeric expression, got ${describe(expr)}`);
  const spec = table.column(expr.column);
  const q = (name: string) => `${alias}${quoteIdent(name)}`;
  if (expr.kind === 'column') {
    if (!NUMERIC_TYPES.has(spec.type))
      throw invalid(
        `${table.name}.${expr.column} is ${spec.type}; only int, bigint and timestamp columns are numeric`,
      );
    return q(expr.column);
  }
  if (expr.kind !== 'start' && expr.kind !== 'end' && expr.kind !== 'duration')
    throw invalid(`unknown numeric expression kind ${JSON.stringify((expr as { kind: unknown }).kind)}`);
  if (spec.type !== 'timerange' || !spec.bounded)
    throw invalid(`"${expr.kind}" needs a bounded timerange column; ${table.name}.${expr.column} is not one`);
  const t = timerangeColumns(expr.column);
  if (expr.kind === 'start') return q(t.start);
  if (expr.kind === 'end') return q(t.end);
  const clip = expr.clip;
  if (clip === undefined) return `(${q(t.end)} - ${q(t.start)})`;
  if (!isTimeRange(clip)) throw invalid(`"clip" must be a TimeRange, got ${describe(clip)}`);
  if (!isNonEmpty(clip)) return int8Literal(0n);
  const a = dialect.aggregates;
  const end = clip.end === null ? q(t.end) : a.least(q(t.end), int8Literal(clip.end));
  const start = clip.start === null ? q(t.start) : a.greatest(q(t.start), int8Literal(clip.start));
  // Rows that do not reach into the clip contribute nothing rather than a negative length. The CASE keeps
  // an EMPTY row NULL: PostgreSQL's LEAST/GREATEST would skip its NULL bounds and clip to the window.
  return `CASE WHEN ${q(t.start)} IS NULL THEN NULL ELSE ${a.greatest(`(${end} - ${start})`, int8Literal(0n))} END`;
}
