/**
 * Internal: the ends of non-empty timeranges as totally ordered "edges", which turns every marker rule of
 * DIGEST §2.3 into a plain comparison. The timeline is continuous (as in mediatimestamp), so an exclusive
 * bound sits an infinitesimal step inside its timestamp:
 *
 *   start `[s` -> (s, 0)    start `(s` -> (s, +1)    i.e. just after s
 *   end   `e]` -> (e, 0)    end   `e)` -> (e, -1)    i.e. just before e
 *
 * A timestamp t is the point (t, 0); a range holds t iff startEdge <= (t, 0) <= endEdge; a range is
 * non-empty iff startEdge <= endEdge; and `a` is before `b` iff endEdge(a) < startEdge(b).
 * Never used to rewrite stored markers (no ±1 ns normalisation): only to compare.
 */
import { EMPTY, makeTimeRange } from './timerange-value.js';
import type { NonEmptyTimeRange, TimeRange } from './timerange-value.js';

/** [rank, value, side]: rank -1 is -infinity, +1 is +infinity (value then ignored), 0 is finite. */
export type Edge = readonly [rank: -1 | 0 | 1, value: bigint, side: -1 | 0 | 1];

export const NEG_INFINITY_EDGE: Edge = Object.freeze([-1, 0n, 0] as const);
export const POS_INFINITY_EDGE: Edge = Object.freeze([1, 0n, 0] as const);

export function startEdge(r: NonEmptyTimeRange): Edge {
  return r.start === null ? NEG_INFINITY_EDGE : [0, r.start, r.startInclusive ? 0 : 1];
}

export function endEdge(r: NonEmptyTimeRange): Edge {
  return r.end === null ? POS_INFINITY_EDGE : [0, r.end, r.endInclusive ? 0 : -1];
}

export function compareEdges(a: Edge, b: Edge): -1 | 0 | 1 {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  if (a[0] !== 0) return 0;
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
  return a[2] === b[2] ? 0 : a[2] < b[2] ? -1 : 1;
}

export function maxEdge(a: Edge, b: Edge): Edge {
  return compareEdges(a, b) >= 0 ? a : b;
}

export function minEdge(a: Edge, b: Edge): Edge {
  return compareEdges(a, b) <= 0 ? a : b;
}

/**
 * The start edge of whatever follows an end edge: after `e)` comes `[e`, after `e]` comes `(e`.
 * Used to build gaps; the result may be the start of an empty range, which the constructor detects.
 */
export function startAfter(end: Edge): Edge {
  return end[0] === 0 ? [0, end[1], end[2] === -1 ? 0 : 1] : end;
}

/** The end edge of whatever precedes a start edge: before `[s` comes `s)`, before `(s` comes `s]`. */
export function endBefore(start: Edge): Edge {
  return start[0] === 0 ? [0, start[1], start[2] === 1 ? 0 : -1] : start;
}

/** The range between a start edge and an end edge; possibly empty. */
export function rangeBetweenEdges(start: Edge, end: Edge): TimeRange {
  if (start[0] === 1 || end[0] === -1) return EMPTY;
  return makeTimeRange({
    start: start[0] === 0 ? start[1] : null,
    startInclusive: start[2] === 0,
    end: end[0] === 0 ? end[1] : null,
    endInclusive: end[2] === 0,
  });
}
