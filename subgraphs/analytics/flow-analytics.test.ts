import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  duration,
  formatTimeRange,
  formatTimestamp,
  makeTimeRange,
  NS_PER_SECOND,
  spanOf,
  timeRange,
} from '../../lib/tams/index.js';
import type { NonEmptyTimeRange, TimeRange } from '../../lib/tams/index.js';
import {
  referenceBuckets,
  referenceCovered,
  referenceGaps,
  referenceMean,
  referencePercentile,
  referenceStddev,
} from '../../lib/executor/test-support/reference-stats.js';
import type { AnalyticsHarness } from './test-support/analytics-harness.js';
import { CREATED, openAnalyticsHarness } from './test-support/analytics-harness.js';

const S = NS_PER_SECOND;
const NOW = new Date('2026-12-01T12:10:30.000Z');
type Bounded = NonEmptyTimeRange & { start: bigint; end: bigint };
interface DistributionOut {
  count: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  stddev: number | null;
  percentiles: { p: number; value: number | null }[];
  histogram: { lower: number; upper: number; count: number; fraction: number }[];
}
interface SeriesOut {
  points: { start: string; value: number; movingAverage: number | null; zScore: number | null }[];
  trend: { slope: number; direction: string; changePercent: number | null };
  anomalies: { start: string }[];
}
const secs = (ns: bigint) => Number(ns) / 1e9;
const near = (a: number | null | undefined, b: number | null) => {
  if (a === null || a === undefined || b === null) return expect(a ?? null).toBe(b);
  expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));
};

/**
 * A recorder's flow, deterministic: 300 segments of 1..6 s (millisecond steps), a gap now and then, a
 * few exclusive starts and inclusive ends, registered over the ten minutes before NOW.
 */
function recorderSegments(): { range: NonEmptyTimeRange; created: Date }[] {
  const out: { range: NonEmptyTimeRange; created: Date }[] = [];
  let t = 1000n * S;
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < 300; i++) {
    if (next() < 0.08) t += BigInt(Math.floor(next() * 20_000)) * 1_000_000n;
    const length = BigInt(1000 + Math.floor(next() * 5000)) * 1_000_000n;
    const odd = next() < 0.05;
    const range = makeTimeRange({ start: t, startInclusive: !odd, end: t + length, endInclusive: false });
    out.push({
      range: range as NonEmptyTimeRange,
      created: new Date(CREATED.getTime() + Math.floor(next() * 640_000)),
    });
    t += length;
  }
  return out;
}

describe.each(['sqlite', 'postgres'] as const)('analytics subgraph: flow fields [%s]', (backend) => {
  let h: AnalyticsHarness;
  const recorder = randomUUID();
  const segments = recorderSegments();
  const ranges = segments.map((s) => s.range);
  const empty = randomUUID();
  const single = randomUUID();

  beforeAll(async () => {
    h = await openAnalyticsHarness(backend, { now: () => NOW });
    await h.addFlow(recorder, segments);
    await h.addFlow(empty, []);
    await h.addFlow(single, [{ range: timeRange('[10:0_16:0)') }]);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('stats: count, total duration, first start and last end', async () => {
    const got = await h.flow<Record<string, unknown>>(
      recorder,
      'stats { segmentCount totalDuration firstStart lastEnd }',
    );
    const span = spanOf(ranges) as Bounded;
    expect(got).toEqual({
      stats: {
        segmentCount: 300,
        totalDuration: secs(ranges.reduce((a, r) => a + duration(r)!, 0n)),
        firstStart: formatTimestamp(span.start),
        lastEnd: formatTimestamp(span.end),
      },
    });
    expect(await h.flow(empty, 'stats { segmentCount totalDuration firstStart lastEnd }')).toEqual({
      stats: { segmentCount: 0, totalDuration: 0, firstStart: null, lastEnd: null },
    });
  });

  describe('coverage', () => {
    const selection = (arg: string) =>
      `coverage${arg} { timerange coveredSeconds ratio gapCount gaps(limit: 10000) { timerange seconds } }`;

    async function check(flowId: string, arg: string, window: TimeRange, rs: readonly TimeRange[]) {
      const { coverage } = await h.flow<{ coverage: Record<string, unknown> }>(flowId, selection(arg));
      if (window.kind === 'empty') {
        expect(coverage).toEqual({ timerange: '()', coveredSeconds: 0, ratio: 0, gapCount: 0, gaps: [] });
        return;
      }
      const gaps = referenceGaps(rs, window);
      const covered = referenceCovered(rs, window);
      expect(coverage.timerange).toBe(formatTimeRange(window));
      near(coverage.coveredSeconds as number, secs(covered));
      near(coverage.ratio as number, Number(covered) / Number(duration(window)));
      expect(coverage.gapCount).toBe(gaps.length);
      expect(coverage.gaps).toEqual(
        gaps.map((g) => ({ timerange: formatTimeRange(g), seconds: secs(duration(g)!) })),
      );
    }

    it('of the whole flow, of a range reaching past both ends (gaps at the edges), of unbounded ranges', async () => {
      const span = spanOf(ranges) as Bounded;
      await check(recorder, '', span, ranges);
      await check(recorder, '(timerange: "[900:0_2500:0)")', timeRange('[900:0_2500:0)'), ranges);
      await check(
        recorder,
        '(timerange: "[1200:500000000_")',
        makeTimeRange({ start: 1200n * S + 500_000_000n, end: span.end }),
        ranges,
      );
      await check(
        recorder,
        '(timerange: "_1300:0]")',
        makeTimeRange({ start: span.start, end: 1300n * S, endInclusive: true }),
        ranges,
      );
      await check(recorder, '(timerange: "_")', span, ranges);
    });

    it('of an empty flow and of one segment', async () => {
      await check(empty, '', timeRange('()'), []);
      await check(empty, '(timerange: "_")', timeRange('()'), []);
      await check(empty, '(timerange: "[0:0_10:0)")', timeRange('[0:0_10:0)'), []);
      const one = [timeRange('[10:0_16:0)')];
      await check(single, '', one[0]!, one);
      await check(single, '(timerange: "[0:0_20:0]")', timeRange('[0:0_20:0]'), one);
    });

    it('filters gaps by length and limit, in time order', async () => {
      const window = spanOf(ranges) as Bounded;
      const all = referenceGaps(ranges, window);
      const long = all.filter((g) => duration(g)! >= 5n * S);
      const got = await h.flow<{ coverage: { gaps: { timerange: string }[] } }>(
        recorder,
        'coverage { gaps(minSeconds: 5, limit: 3) { timerange } }',
      );
      expect(got.coverage.gaps.map((g) => g.timerange)).toEqual(long.slice(0, 3).map(formatTimeRange));
    });

    it('covered plus gaps make the range, whatever the range (property)', async () => {
      const span = spanOf(ranges) as Bounded;
      await fc.assert(
        fc.asyncProperty(
          fc.bigInt({ min: span.start - 50n * S, max: span.end }),
          fc.bigInt({ min: 1n, max: 400n * S }),
          async (start, length) => {
            const window = makeTimeRange({ start, end: start + length }) as Bounded;
            const { coverage } = await h.flow<{
              coverage: { coveredSeconds: number; gaps: { seconds: number }[] };
            }>(
              recorder,
              `coverage(timerange: "${formatTimeRange(window)}") { coveredSeconds gaps(limit: 10000) { seconds } }`,
            );
            const total = coverage.coveredSeconds + coverage.gaps.reduce((a, g) => a + g.seconds, 0);
            expect(Math.abs(total - secs(length))).toBeLessThan(1e-6);
          },
        ),
        { numRuns: 10 },
      );
    });
  });

  it('timeline: equal-width buckets against the reference, none for an empty flow', async () => {
    const window = timeRange('[1000:0_1600:0)') as Bounded;
    const got = await h.flow<{ timeline: unknown[] }>(
      recorder,
      `timeline(timerange: "${formatTimeRange(window)}", buckets: 7) { timerange segmentCount coveredSeconds }`,
    );
    expect(got.timeline).toEqual(
      referenceBuckets(ranges, window, 7).map((b) => ({
        timerange: formatTimeRange(b.range),
        segmentCount: b.count,
        coveredSeconds: secs(b.covered),
      })),
    );
    const whole = await h.flow<{ timeline: { coveredSeconds: number }[] }>(
      recorder,
      'timeline(buckets: 13) { coveredSeconds }',
    );
    expect(whole.timeline).toHaveLength(13);
    expect(await h.flow(empty, 'timeline(buckets: 4) { timerange }')).toEqual({ timeline: [] });
  });

  describe('segmentDurationStats', () => {
    const selection = (arg = '') =>
      `segmentDurationStats${arg} { count min max mean stddev percentiles(p: [0, 0.05, 0.5, 0.95, 1]) { p value } ` +
      `histogram(bins: 5) { lower upper count fraction } }`;

    it('matches numpy over the durations, for the flow and for a range', async () => {
      for (const [arg, rs] of [
        ['', ranges],
        ['(timerange: "[1100:0_1300:0)")', ranges.filter((r) => r.end! > 1100n * S && r.start! < 1300n * S)],
      ] as const) {
        const { segmentDurationStats: d } = await h.flow<{ segmentDurationStats: DistributionOut }>(
          recorder,
          selection(arg),
        );
        const values = rs.map((r) => secs(duration(r)!));
        expect(d.count).toBe(values.length);
        near(d.min, Math.min(...values));
        near(d.max, Math.max(...values));
        near(d.mean, referenceMean(values));
        near(d.stddev, referenceStddev(values));
        for (const p of d.percentiles as { p: number; value: number }[])
          near(p.value, referencePercentile(values, p.p));
        const bins = d.histogram as { lower: number; upper: number; count: number; fraction: number }[];
        expect(bins.reduce((a, b) => a + b.count, 0)).toBe(values.length);
        const lo = Math.min(...values);
        const width = (Math.max(...values) - lo) / 5;
        bins.forEach((b, i) => {
          near(b.lower, lo + i * width);
          // By definition: values in [lower, upper), the last bin closed.
          const inBin = values.filter(
            (v) => v >= lo + i * width - 1e-12 && (i === 4 ? true : v < lo + (i + 1) * width - 1e-12),
          );
          expect(b.count).toBe(inBin.length);
          near(b.fraction, b.count / values.length);
        });
      }
    });

    it('an empty flow: count 0, nulls, no bins; one segment: numpy’s bins around the value', async () => {
      expect((await h.flow(empty, selection())) as unknown).toEqual({
        segmentDurationStats: {
          count: 0,
          min: null,
          max: null,
          mean: null,
          stddev: null,
          percentiles: [0, 0.05, 0.5, 0.95, 1].map((p) => ({ p, value: null })),
          histogram: [],
        },
      });
      const { segmentDurationStats: d } = await h.flow<{ segmentDurationStats: DistributionOut }>(
        single,
        selection(),
      );
      expect([d.count, d.min, d.max, d.mean, d.stddev]).toEqual([1, 6, 6, 6, 0]);
      // numpy.histogram([6], 5) → counts [0, 0, 1, 0, 0], edges 5.5, 5.7, 5.9, 6.1, 6.3, 6.5.
      expect(d.histogram.map((b) => b.count)).toEqual([0, 0, 1, 0, 0]);
      near(d.histogram[0]!.lower, 5.5);
      near(d.histogram[4]!.upper, 6.5);
    });
  });

  it('ingest: segments per interval up to now, moving average, z-scores, anomalies, trend', async () => {
    const { ingest } = await h.flow<{ ingest: SeriesOut }>(
      recorder,
      'ingest(interval: 60, last: 12, window: 3) { points { start value movingAverage zScore } trend { slope direction changePercent } anomalies(threshold: 1) { start } }',
    );
    const current = Math.floor(NOW.getTime() / 60_000);
    const from = (current - 11) * 60_000;
    const values = new Array<number>(12).fill(0);
    for (const s of segments) {
      const i = Math.floor((s.created.getTime() - from) / 60_000);
      if (i >= 0 && i < 12) values[i]! += 1;
    }
    expect(ingest.points.map((p) => p.value)).toEqual(values);
    expect(ingest.points[0]!.start).toBe(new Date(from).toISOString());
    const mean = referenceMean(values)!;
    const sd = referenceStddev(values)!;
    ingest.points.forEach((p, i) => {
      near(p.movingAverage, i < 2 ? null : (values[i - 2]! + values[i - 1]! + values[i]!) / 3);
      near(p.zScore, (values[i]! - mean) / sd);
    });
    // numpy.polyfit(range(n), values, 1)[0], by the normal equations.
    const n = values.length;
    const sx = (n * (n - 1)) / 2;
    const sxx = ((n - 1) * n * (2 * n - 1)) / 6;
    const sy = values.reduce((a, b) => a + b, 0);
    const sxy = values.reduce((a, y, x) => a + x * y, 0);
    const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    near(ingest.trend.slope, slope);
    expect(ingest.trend.direction).toBe(Math.abs(slope) < 0.01 * mean ? 'FLAT' : slope > 0 ? 'UP' : 'DOWN');
    expect(ingest.anomalies.map((a: { start: string }) => a.start)).toEqual(
      ingest.points
        .filter((_: unknown, i: number) => Math.abs((values[i]! - mean) / sd) > 1)
        .map((p: { start: string }) => p.start),
    );
    const quiet = await h.flow<{ ingest: SeriesOut }>(
      empty,
      'ingest(interval: 1) { points { value zScore } trend { slope direction changePercent } anomalies { start } }',
    );
    expect(quiet.ingest.points).toHaveLength(60);
    expect(quiet.ingest.points[0]).toEqual({ value: 0, zScore: null });
    expect(quiet.ingest.trend).toEqual({ slope: 0, direction: 'FLAT', changePercent: null });
    expect(quiet.ingest.anomalies).toEqual([]);
  });

  it('refuses bad arguments with BAD_USER_INPUT and unknown flows with NOT_FOUND', async () => {
    const q = (selection: string, id = recorder) =>
      h.errorCode(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Flow { ${selection} } } }`, {
        r: [{ __typename: 'Flow', id }],
      });
    for (const selection of [
      'timeline(buckets: 0) { timerange }',
      'timeline(buckets: 1001) { timerange }',
      'timeline(timerange: "[5:0_x)", buckets: 3) { timerange }',
      'coverage(timerange: "yesterday") { ratio }',
      'coverage { gaps(limit: 10001) { seconds } }',
      'coverage { gaps(minSeconds: -1) { seconds } }',
      'segmentDurationStats { histogram(bins: 0) { count } }',
      'segmentDurationStats { histogram(bins: 1001) { count } }',
      'segmentDurationStats { percentiles(p: [1.5]) { value } }',
      'segmentDurationStats { percentiles(p: [-0.1]) { value } }',
      'ingest(interval: 0) { points { value } }',
      'ingest(interval: -5) { points { value } }',
      'ingest(interval: 60, last: 0) { points { value } }',
      'ingest(interval: 60, last: 10, window: 11) { points { value } }',
    ])
      expect(await q(selection), selection).toBe('BAD_USER_INPUT');
    const missing = randomUUID();
    for (const selection of [
      'coverage { ratio }',
      'timeline(buckets: 3) { timerange }',
      'segmentDurationStats { count }',
      'ingest(interval: 60) { points { value } }',
    ])
      expect(await q(selection, missing), selection).toBe('NOT_FOUND');
  });

  it('computes all fields of a distribution with one executor call (plus the flow lookup)', async () => {
    h.calls.count = 0;
    await h.flow(
      recorder,
      'segmentDurationStats { count mean stddev percentiles(p: [0.5, 0.9]) { value } histogram(bins: 10) { count } p99: percentiles(p: [0.99]) { value } }',
    );
    expect(h.calls.count).toBe(2);
  });

  it('computes coverage with one gaps scan per minimum length, shared with the gap count', async () => {
    h.calls.count = 0;
    const got = await h.flow<{ coverage: { gapCount: number; gaps: unknown[]; long: unknown[] } }>(
      recorder,
      'coverage { ratio gapCount gaps(limit: 5) { timerange } first: gaps(limit: 1) { timerange } long: gaps(minSeconds: 5) { timerange } }',
    );
    // The flow lookup, the covered sum, a scan for every gap (count and lists), one for the long ones.
    expect(h.calls.count).toBe(4);
    expect(got.coverage.gaps).toHaveLength(Math.min(5, got.coverage.gapCount));
  });

  it('batches stats of many flows into a constant number of executor calls', async () => {
    const ids = Array.from({ length: 40 }, () => randomUUID());
    for (const [i, id] of ids.entries())
      await h.addFlow(id, [{ range: makeTimeRange({ start: BigInt(i) * S, end: BigInt(i + 1) * S }) }]);
    h.calls.count = 0;
    const result = await h.run<{
      _entities: {
        stats: { segmentCount: number; totalDuration: number; firstStart: string; lastEnd: string };
      }[];
    }>(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Flow { stats { segmentCount totalDuration firstStart lastEnd } } } }`,
      { r: ids.map((id) => ({ __typename: 'Flow', id })) },
    );
    expect(result.data!._entities.map((e) => e.stats)).toEqual(
      ids.map((_, i) => ({
        segmentCount: 1,
        totalDuration: 1,
        firstStart: `${i}:0`,
        lastEnd: `${i + 1}:0`,
      })),
    );
    // One lookup of the flow rows, one grouped aggregate of their segments.
    expect(h.calls.count).toBe(2);
  });
});
