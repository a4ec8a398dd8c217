import type { TimeRange } from '../tams/index.js';

/** A value a predicate compares a column with; which ones are allowed depends on the column type. */
export type ScalarValue = string | number | bigint | boolean | Date;

/**
 * The predicate AST. Plain data so that upper layers can build it from request arguments; the executor
 * validates it against the catalog before compiling it into parameterised SQL.
 */
export type Predicate =
  | { readonly op: 'eq'; readonly column: string; readonly value: ScalarValue }
  | { readonly op: 'in'; readonly column: string; readonly values: readonly ScalarValue[] }
  | {
      readonly op: 'range';
      readonly column: string;
      readonly gt?: ScalarValue;
      readonly gte?: ScalarValue;
      readonly lt?: ScalarValue;
      readonly lte?: ScalarValue;
    }
  /** NULL; for a `timerange` column: the range is EMPTY. */
  | { readonly op: 'isNull'; readonly column: string }
  /** The row's range and `range` share at least one instant (marker-aware, DIGEST §2.3). */
  | { readonly op: 'overlaps'; readonly column: string; readonly range: TimeRange }
  /** The row's range lies completely inside `range` (TAMS segment DELETE semantics). */
  | { readonly op: 'coveredBy'; readonly column: string; readonly range: TimeRange }
  /** The row's range completely covers `range`. */
  | { readonly op: 'covers'; readonly column: string; readonly range: TimeRange }
  /** A `tags` column has tag `name` with exactly `value`. */
  | { readonly op: 'tagEquals'; readonly column: string; readonly name: string; readonly value: string }
  /** A `tags` column has a tag `name` (any value). */
  | { readonly op: 'tagExists'; readonly column: string; readonly name: string }
  | { readonly op: 'and'; readonly preds: readonly Predicate[] }
  | { readonly op: 'or'; readonly preds: readonly Predicate[] }
  | { readonly op: 'not'; readonly pred: Predicate };

export type PredicateOp = Predicate['op'];

/** Builders, so call sites read like the query they mean: `and(eq('flow_id', id), overlaps('timerange', r))`. */
export const eq = (column: string, value: ScalarValue): Predicate => ({ op: 'eq', column, value });
export const isIn = (column: string, values: readonly ScalarValue[]): Predicate => ({
  op: 'in',
  column,
  values,
});
export const range = (
  column: string,
  bounds: { gt?: ScalarValue; gte?: ScalarValue; lt?: ScalarValue; lte?: ScalarValue },
): Predicate => ({ op: 'range', column, ...bounds });
export const isNull = (column: string): Predicate => ({ op: 'isNull', column });
export const overlaps = (column: string, r: TimeRange): Predicate => ({ op: 'overlaps', column, range: r });
export const coveredBy = (column: string, r: TimeRange): Predicate => ({ op: 'coveredBy', column, range: r });
export const covers = (column: string, r: TimeRange): Predicate => ({ op: 'covers', column, range: r });
export const tagEquals = (column: string, name: string, value: string): Predicate => ({
  op: 'tagEquals',
  column,
  name,
  value,
});
export const tagExists = (column: string, name: string): Predicate => ({ op: 'tagExists', column, name });
export const and = (...preds: Predicate[]): Predicate => ({ op: 'and', preds });
export const or = (...preds: Predicate[]): Predicate => ({ op: 'or', preds });
export const not = (pred: Predicate): Predicate => ({ op: 'not', pred });

/** The conjuncts of a predicate's top-level AND (the predicate itself when it is not an AND). */
export function conjuncts(pred: Predicate | undefined): readonly Predicate[] {
  if (typeof pred !== 'object' || pred === null) return [];
  // Malformed nodes are reported by the compiler; here they simply contribute nothing.
  if (pred.op !== 'and') return [pred];
  const preds: unknown = pred.preds;
  return Array.isArray(preds) ? preds.flatMap((p: Predicate) => conjuncts(p)) : [];
}

/** Columns fixed to a single value by an `eq` in the top-level AND (their order is irrelevant to sorting). */
export function equalityFixedColumns(pred: Predicate | undefined): Map<string, ScalarValue> {
  const fixed = new Map<string, ScalarValue>();
  for (const c of conjuncts(pred)) if (c.op === 'eq') fixed.set(c.column, c.value);
  return fixed;
}
