import type { OrderTerm } from '../../../lib/executor/index.js';
import type { FlowSort, FlowSortField } from '../__generated__/resolvers-types.js';

/**
 * A flow listing's `sort` as the executor's order. Each column has a (column, id) index (migrations 10
 * and 11), so every page is a keyset seek; label, codec and the last segment's end are nullable and sort
 * NULLS LAST both ways. The segment totals are kept by the database with the segments (migration 11).
 */
const COLUMN: Record<FlowSortField, OrderTerm<'flows'>['column']> = {
  LABEL: 'label',
  FORMAT: 'format',
  CODEC: 'codec',
  CREATED: 'created',
  SEGMENT_COUNT: 'segment_count',
  LAST_SEGMENT: 'last_segment_end',
};

/** No sort: the listing's historic order, by id. */
export function flowOrder(sort: FlowSort | null | undefined): OrderTerm<'flows'>[] | undefined {
  if (sort == null) return undefined;
  return [{ column: COLUMN[sort.field], direction: sort.direction === 'DESC' ? 'desc' : 'asc' }];
}
