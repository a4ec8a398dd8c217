/** fast-check generators shared by the timestamp and timerange tests. */
import fc from 'fast-check';

import { makeTimeRange } from '../timerange-value.js';
import type { TimeRange } from '../timerange-value.js';

const near = (centre: bigint, width: bigint): fc.Arbitrary<bigint> =>
  fc.bigInt({ min: centre - width, max: centre + width });

/** Nanosecond values where precision bugs hide: small, around ±2^53, around ±2^63, a TAI "now", and huge. */
export const arbTimestampNs: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: -1000n, max: 1000n }),
  near(2n ** 53n, 1000n),
  near(-(2n ** 53n), 1000n),
  near(2n ** 63n, 1000n),
  near(-(2n ** 63n), 1000n),
  near(1_700_000_000_000_000_000n, 10n ** 15n),
  fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n }),
);

/**
 * Bounds for timerange properties: mostly a handful of small values so that bounds often coincide (where
 * the markers decide everything), sometimes values 1 ns apart at 2^53, sometimes anything.
 */
export const arbBound: fc.Arbitrary<bigint> = fc.oneof(
  { weight: 6, arbitrary: fc.bigInt({ min: -4n, max: 4n }) },
  { weight: 2, arbitrary: near(2n ** 53n, 2n) },
  { weight: 1, arbitrary: arbTimestampNs },
);

/** Any timerange, with infinite bounds about one time in five and arbitrary markers. */
export const arbTimeRange: fc.Arbitrary<TimeRange> = fc
  .record({
    start: fc.option(arbBound, { freq: 5 }),
    startInclusive: fc.boolean(),
    end: fc.option(arbBound, { freq: 5 }),
    endInclusive: fc.boolean(),
  })
  .map((bounds) => makeTimeRange(bounds));
