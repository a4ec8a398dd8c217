/**
 * `Array.isArray` that keeps the element type: callers reach the executor from plain JavaScript too, so
 * list arguments are checked at run time, and TypeScript would otherwise widen them to `any[]`.
 */
// eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents -- `readonly T[]` keeps T inferable
export function isList<T>(value: readonly T[] | unknown): value is readonly T[] {
  return Array.isArray(value);
}
