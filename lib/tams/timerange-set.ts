/**
 * Operations over collections of timeranges, e.g. the segments of a Flow: which points they cover
 * (`unionOf`), which they miss (`gapsBetween`), and their overall extent (`spanOf`, the Flow timerange).
 * Continuous semantics as in timerange.ts: `[0_10)` and `[10_20)` touch; `[0_10)` and `(10_20)` leave
 * the single point 10 uncovered.
 */
import {
  compareEdges,
  endBefore,
  endEdge,
  maxEdge,
  minEdge,
  rangeBetweenEdges,
  startAfter,
  startEdge,
} from './timerange-edge.js';
import type { Edge } from './timerange-edge.js';
import { compareTimeRanges, isNonEmpty } from './timerange.js';
import { EMPTY } from './timerange-value.js';
import type { NonEmptyTimeRange, TimeRange } from './timerange-value.js';

/**
 * The fewest disjoint ranges covering exactly the points of the inputs, sorted. Ranges that overlap or
 * touch with no point between them are merged; EMPTY inputs are ignored.
 */
export function unionOf(ranges: Iterable<TimeRange>): NonEmptyTimeRange[] {
  const sorted = sortedNonEmpty(ranges);
  const merged: NonEmptyTimeRange[] = [];
  let start: Edge | undefined;
  let end: Edge | undefined;
  for (const r of sorted) {
    if (start !== undefined && end !== undefined && !hasPointBetween(end, startEdge(r))) {
      end = maxEdge(end, endEdge(r));
      continue;
    }
    if (start !== undefined && end !== undefined) merged.push(nonEmptyBetween(start, end));
    start = startEdge(r);
    end = endEdge(r);
  }
  if (start !== undefined && end !== undefined) merged.push(nonEmptyBetween(start, end));
  return merged;
}

/**
 * The parts of `spanOf(ranges)` that no range covers, sorted, with the markers that make union and gaps
 * partition the span exactly: the gap between `[0_10)` and `(10_20)` is `[10]`, between `[0_10)` and
 * `[15_20)` it is `[10_15)`.
 */
export function gapsBetween(ranges: Iterable<TimeRange>): NonEmptyTimeRange[] {
  const union = unionOf(ranges);
  const gaps: NonEmptyTimeRange[] = [];
  for (let i = 1; i < union.length; i++) {
    const previous = union[i - 1];
    const next = union[i];
    if (previous === undefined || next === undefined) continue;
    const gap = rangeBetweenEdges(startAfter(endEdge(previous)), endBefore(startEdge(next)));
    // unionOf only leaves two ranges apart when a point lies between them, so the gap is never empty.
    if (isNonEmpty(gap)) gaps.push(gap);
  }
  return gaps;
}

/**
 * From the start of the earliest range to the end of the latest, keeping their markers; EMPTY when no
 * range is non-empty. This is how a Flow's timerange is derived from its segments (DIGEST §6.4).
 */
export function spanOf(ranges: Iterable<TimeRange>): TimeRange {
  let start: Edge | undefined;
  let end: Edge | undefined;
  for (const r of ranges) {
    if (!isNonEmpty(r)) continue;
    start = start === undefined ? startEdge(r) : minEdge(start, startEdge(r));
    end = end === undefined ? endEdge(r) : maxEdge(end, endEdge(r));
  }
  return start === undefined || end === undefined ? EMPTY : rangeBetweenEdges(start, end);
}

function sortedNonEmpty(ranges: Iterable<TimeRange>): NonEmptyTimeRange[] {
  const result: NonEmptyTimeRange[] = [];
  for (const r of ranges) if (isNonEmpty(r)) result.push(r);
  return result.sort(compareTimeRanges);
}

/** Whether some timestamp lies strictly after `end` and strictly before `start` (edges, not ranges). */
function hasPointBetween(end: Edge, start: Edge): boolean {
  return compareEdges(end, start) < 0 && isNonEmpty(rangeBetweenEdges(startAfter(end), endBefore(start)));
}

function nonEmptyBetween(start: Edge, end: Edge): NonEmptyTimeRange {
  const r = rangeBetweenEdges(start, end);
  // Both edges come from non-empty inputs with start <= end, so this cannot be empty.
  if (!isNonEmpty(r)) throw new Error('internal error: merged timerange is empty');
  return r;
}
