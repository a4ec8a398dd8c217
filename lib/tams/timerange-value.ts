/**
 * What a TAMS 7.0 timerange is (`S:timerange.json`, AN0008): an immutable value, EMPTY or a range with
 * optional bounds and their markers. Markers are kept exactly as given (never rewritten as ±1 ns), so a
 * stored `[0:0_10:0)` is returned as `[0:0_10:0)`; only the constructor's normalisation of empty and
 * unbounded forms applies. The text form and the algebra are in timerange.ts.
 */

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
