import type { Predicate, SelectQuery } from '../../../lib/executor/index.js';
import { and, eq, overlaps } from '../../../lib/executor/index.js';
import type { TimeRange } from '../../../lib/tams/index.js';
import { isNonEmpty } from '../../../lib/tams/index.js';

/** Which segments of one flow a listing asks for (7.0 `GET /flows/{id}/segments`, `Flow.segments`). */
export interface SegmentWindow {
  readonly flowId: string;
  /** Segments sharing a point with this range. Null or `_` is the whole flow; `()` is no segment. */
  readonly timerange?: TimeRange | null;
  /** Only the segments of this object. */
  readonly objectId?: string | null;
  /** Latest first. */
  readonly reverseOrder?: boolean | null;
  /** Segments per page (already checked against the domain's page size limits). */
  readonly limit: number;
  /** The previous page's key; the first page when null. */
  readonly after?: string | null;
}

const isEternity = (r: TimeRange) => isNonEmpty(r) && r.start === null && r.end === null;

/**
 * The window query: one page of a flow's segments overlapping a timerange, in timeline order, marker
 * rules as in lib/tams (`[0:0_10:0)` and `[10:0_20:0)` do not overlap). It stays O(log n + k) in the
 * flow's length: segments are keyed by (flow, start), so the order is an index scan, and because the
 * segments table is a timeline (a flow's segments never overlap) the executor bounds `overlaps` from
 * below by the last segment starting before the window (`timelineLowerBound` in
 * lib/executor/sql/compile-predicate.ts) when the flow is fixed by a top-level `eq`, as here.
 */
export function segmentWindowQuery(window: SegmentWindow): SelectQuery<'segments'> {
  return { ...segmentWindowScan(window), limit: window.limit, after: window.after ?? null };
}

/** The same rows and order without paging, for a scan that pages itself (the Arrow export). */
export function segmentWindowScan(
  window: Omit<SegmentWindow, 'limit' | 'after'>,
): Omit<SelectQuery<'segments'>, 'limit' | 'after'> & { readonly table: 'segments' } {
  const parts: Predicate[] = [eq('flow_id', window.flowId)];
  const r = window.timerange;
  // `_` leaves the predicate out (every segment overlaps it); `()` stays and matches nothing.
  if (r != null && !isEternity(r)) parts.push(overlaps('timerange', r));
  if (window.objectId != null) parts.push(eq('object_id', window.objectId));
  return {
    table: 'segments',
    where: and(...parts),
    orderBy: [{ column: 'timerange', direction: window.reverseOrder ? 'desc' : 'asc' }],
  };
}
