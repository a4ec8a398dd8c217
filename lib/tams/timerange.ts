/**
 * TAMS 7.0 timeranges (`S:timerange.json`, AN0008, AN0012; DIGEST §2.2-2.3): text form, predicates and
 * marker-aware algebra on a continuous timeline, as BBC's mediatimestamp does. The value itself and its
 * normalising constructor are in timerange-value.ts; the comparisons go through timerange-edge.ts.
 */
import { describeValue } from './describe-value.js';
import { fail, ok, unwrap } from './result.js';
import type { Result } from './result.js';
import { compareEdges, endEdge, maxEdge, minEdge, rangeBetweenEdges, startEdge } from './timerange-edge.js';
import type { Edge } from './timerange-edge.js';
import { EMPTY, makeTimeRange } from './timerange-value.js';
import type { EmptyTimeRange, NonEmptyTimeRange, TimeRange } from './timerange-value.js';
import { formatTimestamp, parseTimestamp, timestamp } from './timestamp.js';

// ---- Text form ----------------------------------------------------------------------------------

/** The 7.0 schema pattern, verbatim. Groups: 1 opening marker, 2 start, 5 `_…`, 6 end, 9 closing marker. */
const TIMERANGE_PATTERN =
  /^(\[|\()?(-?(0|[1-9][0-9]*):(0|[1-9][0-9]{0,8}))?(_(-?(0|[1-9][0-9]*):(0|[1-9][0-9]{0,8}))?)?(\]|\))?$/;

const EXPECTED =
  'expected [start]_[end] with optional "[" "(" and "]" ")" markers, e.g. "[0:0_10:0)" or "[5:0_"';

/**
 * Parses a timerange (DIGEST §2.2). A finite bound without a marker is inclusive (`a_b` is `[a_b]`);
 * a lone timestamp is instantaneous unless a marker is exclusive, which makes it empty (AN0012);
 * forms with neither timestamp nor `_` (`()`, `""`, `[]`, `[`, ...) are empty, and `_` forms without
 * timestamps are eternity. Only what the schema pattern rejects is an error.
 */
export function parseTimeRange(text: string): Result<TimeRange> {
  const match = typeof text === 'string' ? TIMERANGE_PATTERN.exec(text) : null;
  if (match === null) {
    return fail('INVALID_TIMERANGE', `Invalid timerange ${describeValue(text)}: ${hint(text)}`);
  }
  const [, open, startText, , , separator, endText, , , close] = match;
  const start = startText === undefined ? null : timestamp(startText);
  if (separator === undefined) {
    if (start === null) return ok(EMPTY);
    return ok(
      makeTimeRange({ start, startInclusive: open !== '(', end: start, endInclusive: close !== ')' }),
    );
  }
  const end = endText === undefined ? null : timestamp(endText);
  return ok(makeTimeRange({ start, startInclusive: open !== '(', end, endInclusive: close !== ')' }));
}

/** Canonical text: `()`, `_`, `[a]`, `[a_`/`(a_`, `_b)`/`_b]`, or both bounds with their markers. */
export function formatTimeRange(r: TimeRange): string {
  if (r.kind === 'empty') return '()';
  const start = r.start === null ? '' : `${r.startInclusive ? '[' : '('}${formatTimestamp(r.start)}`;
  if (r.start !== null && r.start === r.end) return `${start}]`;
  const end = r.end === null ? '' : `${formatTimestamp(r.end)}${r.endInclusive ? ']' : ')'}`;
  return `${start}_${end}`;
}

/** Throwing convenience for trusted input; see `parseTimeRange`. */
export function timeRange(text: string): TimeRange {
  return unwrap(parseTimeRange(text));
}

const TIMESTAMP_SHAPE = '[-]<seconds>:<nanoseconds>, no leading zeros, nanoseconds 0-999999999';

/** Points at the offending timestamp when the overall shape is right but a timestamp is not. */
function hint(text: unknown): string {
  if (typeof text !== 'string') return `a timerange must be a string; ${EXPECTED}`;
  const inner = text.replace(/^[[(]/, '').replace(/[\])]$/, '');
  const parts = inner.split('_');
  if (parts.length > 2) return `at most one "_" may separate start and end; ${EXPECTED}`;
  for (const part of parts) {
    if (part === '') continue;
    if (!parseTimestamp(part).ok) {
      return `${describeValue(part)} is not a timestamp (${TIMESTAMP_SHAPE}); ${EXPECTED}`;
    }
  }
  return EXPECTED;
}

// ---- Predicates ---------------------------------------------------------------------------------

export function isEmpty(r: TimeRange): r is EmptyTimeRange {
  return r.kind === 'empty';
}

export function isNonEmpty(r: TimeRange): r is NonEmptyTimeRange {
  return r.kind === 'range';
}

/** Zero duration but not empty: `[a]`. */
export function isInstantaneous(r: TimeRange): boolean {
  return r.kind === 'range' && r.start !== null && r.start === r.end;
}

/** No infinite end. EMPTY counts as bounded, consistent with `duration(EMPTY) === 0n`. */
export function isBounded(r: TimeRange): boolean {
  return r.kind === 'empty' || (r.start !== null && r.end !== null);
}

// ---- Algebra (DIGEST §2.3) ----------------------------------------------------------------------

/** a ends before b starts with no shared point (`[0_10)` is before `[10_20)`). False if either is empty. */
export function before(a: TimeRange, b: TimeRange): boolean {
  return isNonEmpty(a) && isNonEmpty(b) && compareEdges(endEdge(a), startEdge(b)) < 0;
}

/** The ranges share at least one point. Empty ranges overlap nothing. */
export function overlaps(a: TimeRange, b: TimeRange): boolean {
  return (
    isNonEmpty(a) &&
    isNonEmpty(b) &&
    compareEdges(startEdge(a), endEdge(b)) <= 0 &&
    compareEdges(startEdge(b), endEdge(a)) <= 0
  );
}

/** Every point of `inner` is in `outer`. An empty `outer` covers nothing, not even EMPTY (DIGEST §2.3). */
export function covers(outer: TimeRange, inner: TimeRange): boolean {
  if (!isNonEmpty(outer)) return false;
  if (!isNonEmpty(inner)) return true;
  return (
    compareEdges(startEdge(outer), startEdge(inner)) <= 0 && compareEdges(endEdge(inner), endEdge(outer)) <= 0
  );
}

export function containsTimestamp(r: TimeRange, t: bigint): boolean {
  if (!isNonEmpty(r)) return false;
  const point: Edge = [0, t, 0];
  return compareEdges(startEdge(r), point) <= 0 && compareEdges(point, endEdge(r)) <= 0;
}

/** The points in both; at equal starts (or ends) the exclusive marker wins. */
export function intersection(a: TimeRange, b: TimeRange): TimeRange {
  if (!isNonEmpty(a) || !isNonEmpty(b)) return EMPTY;
  return rangeBetweenEdges(maxEdge(startEdge(a), startEdge(b)), minEdge(endEdge(a), endEdge(b)));
}

/**
 * A total order for sorting: EMPTY first; then by start (-infinity first, inclusive before exclusive at
 * the same timestamp); then by end (exclusive before inclusive at the same timestamp, +infinity last).
 */
export function compareTimeRanges(a: TimeRange, b: TimeRange): -1 | 0 | 1 {
  if (!isNonEmpty(a)) return isNonEmpty(b) ? -1 : 0;
  if (!isNonEmpty(b)) return 1;
  return compareEdges(startEdge(a), startEdge(b)) || compareEdges(endEdge(a), endEdge(b));
}

/** Same set of points; for normalised values that is also structural equality. */
export function equalTimeRanges(a: TimeRange, b: TimeRange): boolean {
  return compareTimeRanges(a, b) === 0;
}

/** end - start in nanoseconds: 0n for EMPTY and instants, null when either end is infinite. */
export function duration(r: TimeRange): bigint | null {
  if (!isNonEmpty(r)) return 0n;
  return r.start === null || r.end === null ? null : r.end - r.start;
}
