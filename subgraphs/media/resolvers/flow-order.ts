import type { OrderTerm } from '../../../lib/executor/index.js';
import type { FlowSort, FlowSortField } from '../__generated__/resolvers-types.js';

/**
 * A flow listing's `sort` as the executor's order. Each column has a (column, id) index (migration 10),
 * so every page is a keyset seek; label and codec are nullable and sort NULLS LAST both ways.
 */
const COLUMN: Record<FlowSortField, OrderTerm<'flows'>['column']> = {
  LABEL: 'label',
  FORMAT: 'format',
  CODEC: 'codec',
  CREATED: 'created',
};

/** No sort: the listing's historic order, by id. */
export function flowOrder(sort: FlowSort | null | undefined): OrderTerm<'flows'>[] | undefined {
  if (sort == null) return undefined;
  return [{ column: COLUMN[sort.field], direction: sort.direction === 'DESC' ? 'desc' : 'asc' }];
}
