/** TAMS 7.0 value types: timestamps, timeranges, TAI/UTC conversion and input validation. */
export { describeValue } from './describe-value.js';
export { fail, ok, TamsValidationError, unwrap } from './result.js';
export type { Result, ValidationIssue } from './result.js';

export { compareTimestamps, formatTimestamp, NS_PER_SECOND, parseTimestamp, timestamp } from './timestamp.js';

export {
  before,
  compareTimeRanges,
  containsTimestamp,
  covers,
  duration,
  equalTimeRanges,
  formatTimeRange,
  intersection,
  isBounded,
  isEmpty,
  isInstantaneous,
  isNonEmpty,
  overlaps,
  parseTimeRange,
  timeRange,
} from './timerange.js';
export { EMPTY, ETERNITY, instant, makeTimeRange } from './timerange-value.js';
export type { EmptyTimeRange, NonEmptyTimeRange, TimeRange, TimeRangeBounds } from './timerange-value.js';

export { gapsBetween, spanOf, unionOf } from './timerange-set.js';

export {
  formatUtc,
  LEAP_SECONDS,
  MAX_UTC_YEAR,
  MIN_UTC_YEAR,
  nowTai,
  parseUtc,
  taiFromUnixNs,
  taiMinusUtcAt,
  unixNsFromTai,
} from './tai-utc.js';
export type { FormatUtcOptions, LeapSecondEntry } from './tai-utc.js';

export {
  MAX_DESCRIPTION_LENGTH,
  MAX_LABEL_LENGTH,
  MAX_TAG_NAME_LENGTH,
  MAX_TAG_VALUE_LENGTH,
  MAX_TAGS_PER_ENTITY,
  validateDescription,
  validateLabel,
  validateTagName,
  validateTags,
  validateTagValue,
  validateText,
  validateUuid,
} from './validate.js';
