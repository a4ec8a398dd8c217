/**
 * TAMS 7.0 timeranges (`S:timerange.json`, AN0008, AN0012; DIGEST §2.2-2.3) as immutable values with
 * marker-aware algebra on a continuous timeline, as BBC's mediatimestamp does. Markers are kept exactly
 * as given (never rewritten as ±1 ns) so a stored `[0:0_10:0)` is returned as `[0:0_10:0)`.
 */
import { describeValue } from './describe-value.js';
import { fail, ok, unwrap } from './result.js';
import type { Result } from './result.js';
import { compareEdges, endEdge, maxEdge, minEdge, startEdge } from './timerange-edge.js';
import type { Edge } from './timerange-edge.js';
import { formatTimestamp, parseTimestamp, timestamp } from './timestamp.js';

export type TimeRange = EmptyTimeRange | NonEmptyTimeRange;

export interface EmptyTimeRange {
  readonly kind: 'empty';
}

/** Never empty: the constructor turns every empty combination of bounds into `EMPTY`. */
export interface NonEmptyTimeRange {
  readonly kind: 'range';
  /** null = unbounded (-infinity). */
  readonly start: bigint | null;
  /** Always false when `start` is null. */
  readonly startInclusive: boolean;
  /** null = unbounded (+infinity). */
  readonly end: bigint | null;
  /** Always false when `end` is null. */
  readonly endInclusive: boolean;
}

export interface TimeRangeBounds {
  readonly start: bigint | null;
  /** Default true: segment timeranges always start inclusively. */
  readonly startInclusive?: boolean;
  readonly end: bigint | null;
  /** Default false: segments of media with duration end exclusively, at the next sample. */
  readonly endInclusive?: boolean;
}

export const EMPTY: EmptyTimeRange = Object.freeze({ kind: 'empty' });

/** `_`: every timestamp. */
export const ETERNITY: NonEmptyTimeRange = Object.freeze({
  kind: 'range',
  start: null,
  startInclusive: false,
  end: null,
  endInclusive: false,
});

/**
 * The normalising constructor. Per AN0008 a range is empty when end < start, or when start == end and
 * either marker is exclusive; markers on infinite bounds carry no meaning and are dropped.
 */
export function makeTimeRange(bounds: TimeRangeBounds): TimeRange {
  const { start, end } = bounds;
  const startInclusive = start !== null && (bounds.startInclusive ?? true);
  const endInclusive = end !== null && (bounds.endInclusive ?? false);
  if (
    start !== null &&
    end !== null &&
    (end < start || (end === start && !(startInclusive && endInclusive)))
  ) {
    return EMPTY;
  }
  if (start === null && end === null) return ETERNITY;
  return Object.freeze({ kind: 'range', start, startInclusive, end, endInclusive });
}

/** `[t]`: the instantaneous range holding only t. */
export function instant(t: bigint): TimeRange {
  return makeTimeRange({ start: t, startInclusive: true, end: t, endInclusive: true });
}

/** Internal: the range between a start edge and an end edge (see timerange-edge.ts); possibly empty. */
export function rangeBetweenEdges(start: Edge, end: Edge): TimeRange {
  if (start[0] === 1 || end[0] === -1) return EMPTY;
  return makeTimeRange({
    start: start[0] === 0 ? start[1] : null,
    startInclusive: start[2] === 0,
    end: end[0] === 0 ? end[1] : null,
    endInclusive: end[2] === 0,
  });
}

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
