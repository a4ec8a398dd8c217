import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTimeRange, makeTimeRange, NS_PER_SECOND, timeRange } from '../../tams/index.js';
import type { NonEmptyTimeRange, TimeRange } from '../../tams/index.js';
import { and, eq, isIn, overlaps } from '../predicate.js';
import type { Executor } from '../types.js';
import {
  referenceBuckets,
  referenceCovered,
  referenceGaps,
  referenceHistogram,
  referenceMean,
  referencePercentile,
  referenceStddev,
} from '../test-support/reference-stats.js';
import type { ContractHarness } from './harness.js';
import { expectErrorCode, flow, NOW, segment, uuid } from './harness.js';

const S = NS_PER_SECOND;
type Bounded = NonEmptyTimeRange & { start: bigint; end: bigint };
const bounded = (text: string) => timeRange(text) as Bounded;
const fmt = (rs: readonly TimeRange[]) => rs.map(formatTimeRange);
const close = (a: number | null, b: number | null) => {
  if (a === null || b === null) return expect(a).toBe(b);
  expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));
};

/**
 * Random non-overlapping segments on a small grid (so edges meet, gaps and instants all occur), with
 * arbitrary markers; each is valid TAMS and the set never overlaps (checked by the executor on insert).
 */
export const segmentSets = fc
  .array(
    fc.record({
      gapBefore: fc.integer({ min: 0, max: 3 }),
      length: fc.integer({ min: 0, max: 4 }),
      startOpen: fc.boolean(),
      endClosed: fc.boolean(),
    }),
    { maxLength: 12 },
  )
  .map((specs) => {
    const out: NonEmptyTimeRange[] = [];
    let t = 0n;
    let lastEndClosed = false;
    for (const s of specs) {
      const start = t + BigInt(s.gapBefore) * S;
      // An instant needs both markers inclusive; a range starting where the last one closed must open.
      const instant = s.length === 0;
      const startOpen = instant ? false : s.startOpen || (start === t && lastEndClosed);
      if (instant && start === t && lastEndClosed && out.length > 0) continue;
      const end = start + BigInt(s.length) * S;
      const r = makeTimeRange({
        start,
        startInclusive: !startOpen,
        end,
        endInclusive: instant ? true : s.endClosed,
      });
      if (r.kind !== 'range') continue;
      out.push(r);
      t = end;
      lastEndClosed = r.endInclusive;
    }
    return out;
  });

export function aggregatesContract(_h: ContractHarness, ex: () => Executor): void {
  describe('aggregates', () => {
    it('counts, sums and extremes per group in one statement, an empty table giving count 0', async () => {
      const [a, b, c] = [uuid(), uuid(), uuid()];
      await ex().insert('segments', [
        segment(a, '[0:0_10:0)'),
        segment(a, '[10:0_15:0)'),
        segment(a, '[20:0_21:500000000)'),
        segment(b, '[100:0_101:0)'),
      ]);
      const rows = await ex().aggregate({
        table: 'segments',
        where: isIn('flow_id', [a, b, c]),
        groupBy: ['flow_id'],
        measures: {
          n: { fn: 'count' },
          total: { fn: 'sum', of: { kind: 'duration', column: 'timerange' } },
          first: { fn: 'min', of: { kind: 'start', column: 'timerange' } },
          last: { fn: 'max', of: { kind: 'end', column: 'timerange' } },
          mean: { fn: 'avg', of: { kind: 'duration', column: 'timerange' } },
        },
      });
      const byFlow = new Map(rows.map((r) => [r.group.flow_id, r.values]));
      expect(byFlow.get(a)).toEqual({
        n: 3n,
        total: 16_500_000_000n,
        first: 0n,
        last: 21_500_000_000n,
        mean: 5.5e9,
      });
      expect(byFlow.get(b)).toEqual({ n: 1n, total: S, first: 100n * S, last: 101n * S, mean: 1e9 });
      expect(byFlow.has(c)).toBe(false);
      const empty = await ex().aggregate({
        table: 'segments',
        where: eq('flow_id', c),
        measures: { n: { fn: 'count' }, total: { fn: 'sum', of: { kind: 'duration', column: 'timerange' } } },
      });
      expect(empty).toEqual([{ group: {}, values: { n: 0n, total: null } }]);
    });

    it('clips durations to a window', async () => {
      const f = uuid();
      await ex().insert('segments', [
        segment(f, '[0:0_10:0)'),
        segment(f, '[10:0_20:0)'),
        segment(f, '[30:0_40:0)'),
      ]);
      const window = timeRange('[5:0_35:0)');
      const [row] = await ex().aggregate({
        table: 'segments',
        where: and(eq('flow_id', f), overlaps('timerange', window)),
        measures: { covered: { fn: 'sum', of: { kind: 'duration', column: 'timerange', clip: window } } },
      });
      expect(row!.values.covered).toBe(20n * S);
    });

    it('groups by nullable text columns (NULL is a group) and refuses too many groups', async () => {
      const source = uuid();
      await ex().insert('flows', [
        flow({ source_id: source, codec: 'video/h264' }),
        flow({ source_id: source, codec: 'video/h264' }),
        flow({ source_id: source }),
      ]);
      const rows = await ex().aggregate({
        table: 'flows',
        where: eq('source_id', source),
        groupBy: ['codec'],
        measures: { n: { fn: 'count' } },
      });
      expect(new Map(rows.map((r) => [r.group.codec, r.values.n]))).toEqual(
        new Map<unknown, bigint>([
          ['video/h264', 2n],
          [null, 1n],
        ]),
      );
      await expectErrorCode(
        () =>
          ex().aggregate({
            table: 'flows',
            where: eq('source_id', source),
            groupBy: ['codec'],
            measures: { n: { fn: 'count' } },
            maxGroups: 1,
          }),
        'INVALID_QUERY',
      );
      await expectErrorCode(
        () =>
          ex().aggregate({ table: 'flows', groupBy: ['tags'] as never, measures: { n: { fn: 'count' } } }),
        'INVALID_QUERY',
      );
      await expectErrorCode(
        () =>
          ex().aggregate({
            table: 'flows',
            measures: { n: { fn: 'sum', of: { kind: 'column', column: 'label' } } },
          }),
        'INVALID_QUERY',
      );
    });
  });

  // Both strategies: exact from the values' counts (the default) and SQL passes (0 turns counts off).
  describe.each([
    ['from value counts', undefined],
    ['in SQL passes', 0],
  ] as const)('distribution, %s', (_name, exactDistinctLimit) => {
    const durations = { kind: 'duration', column: 'timerange' } as const;

    it('matches numpy on durations: percentiles (linear), population stddev, histogram', async () => {
      const f = uuid();
      const lengths = [1, 2, 2, 3, 5, 8, 13, 2, 2, 7].map((x) => BigInt(x) * 100_000_000n);
      let t = 0n;
      await ex().insert(
        'segments',
        lengths.map((l) => {
          const r = makeTimeRange({ start: t, end: t + l });
          t += l;
          return segment(f, r);
        }),
      );
      const ps = [0, 0.1, 0.25, 0.5, 0.9, 0.99, 1];
      const d = await ex().distribution({
        exactDistinctLimit,
        table: 'segments',
        where: eq('flow_id', f),
        of: durations,
        percentiles: ps,
        bins: 4,
      });
      const values = lengths.map(Number);
      expect(d.count).toBe(10);
      expect(d.min).toBe(100_000_000n);
      expect(d.max).toBe(1_300_000_000n);
      close(d.mean, referenceMean(values));
      close(d.stddev, referenceStddev(values));
      d.percentiles.forEach((r, i) => {
        expect(r.p).toBe(ps[i]);
        close(r.value, referencePercentile(values, ps[i]!));
      });
      // numpy.histogram([1,2,2,3,5,8,13,2,2,7], 4) → [6, 1, 2, 1], edges 1, 4, 7, 10, 13.
      expect(d.histogram.map((b) => b.count)).toEqual([6, 1, 2, 1]);
      expect(referenceHistogram(lengths, 4)).toEqual([6, 1, 2, 1]);
      expect(d.histogram.map((b) => b.lower)).toEqual([1e8, 4e8, 7e8, 10e8]);
      expect(d.histogram.at(-1)!.upper).toBe(13e8);
    });

    it('answers an empty set with nulls and no bins, and one value with one bin', async () => {
      const empty = await ex().distribution({
        exactDistinctLimit,
        table: 'segments',
        where: eq('flow_id', uuid()),
        of: durations,
        percentiles: [0.5],
        bins: 3,
      });
      expect(empty).toEqual({
        count: 0,
        min: null,
        max: null,
        mean: null,
        stddev: null,
        percentiles: [{ p: 0.5, value: null }],
        histogram: [],
      });
      const f = uuid();
      await ex().insert('segments', [segment(f, '[0:0_6:0)')]);
      const one = await ex().distribution({
        exactDistinctLimit,
        table: 'segments',
        where: eq('flow_id', f),
        of: durations,
        percentiles: [0, 0.5, 1],
        bins: 3,
      });
      expect(one.stddev).toBe(0);
      expect(one.percentiles.map((p) => p.value)).toEqual([6e9, 6e9, 6e9]);
      expect(one.histogram).toEqual([{ lower: 6e9, upper: 6e9, count: 1 }]);
    });

    it('refuses percentiles outside [0, 1] and bins outside 1..1000', async () => {
      const q = { table: 'segments', of: durations } as const;
      await expectErrorCode(
        () =>
          ex().distribution({
            exactDistinctLimit,
            ...q,
            percentiles: [1.5],
          }),
        'INVALID_QUERY',
      );
      await expectErrorCode(
        () =>
          ex().distribution({
            exactDistinctLimit,
            ...q,
            percentiles: [Number.NaN],
          }),
        'INVALID_QUERY',
      );
      await expectErrorCode(
        () =>
          ex().distribution({
            exactDistinctLimit,
            ...q,
            bins: 0,
          }),
        'INVALID_QUERY',
      );
      await expectErrorCode(
        () =>
          ex().distribution({
            exactDistinctLimit,
            ...q,
            bins: 1001,
          }),
        'INVALID_QUERY',
      );
    });

    it('agrees with the reference on random segment sets (property)', async () => {
      await fc.assert(
        fc.asyncProperty(segmentSets, fc.integer({ min: 1, max: 7 }), async (ranges, bins) => {
          const f = uuid();
          if (ranges.length > 0)
            await ex().insert(
              'segments',
              ranges.map((r) => segment(f, r)),
            );
          const d = await ex().distribution({
            exactDistinctLimit,
            table: 'segments',
            where: eq('flow_id', f),
            of: durations,
            percentiles: [0.3, 0.5, 0.95],
            bins,
          });
          const values = ranges.map((r) => r.end! - r.start!);
          const nums = values.map(Number);
          expect(d.count).toBe(values.length);
          close(d.stddev, referenceStddev(nums));
          for (const p of d.percentiles) close(p.value, referencePercentile(nums, p.p));
          if (values.length > 0 && d.min !== d.max)
            expect(d.histogram.map((b) => b.count)).toEqual(referenceHistogram(values, bins));
        }),
        { numRuns: 15 },
      );
    });
  });

  describe('gaps', () => {
    it('finds gaps between segments and at both edges of the window, with exact markers', async () => {
      const f = uuid();
      await ex().insert('segments', [
        segment(f, '[10:0_20:0)'),
        segment(f, '[20:0_30:0)'),
        segment(f, '(30:0_40:0]'),
        segment(f, '[45:0_50:0)'),
      ]);
      const window = bounded('[0:0_60:0)');
      const all = await ex().gaps({ table: 'segments', partition: f, window, limit: 100 });
      expect(fmt(all.gaps)).toEqual(['[0:0_10:0)', '[30:0]', '(40:0_45:0)', '[50:0_60:0)']);
      expect(all.count).toBe(4);
      expect(fmt(all.gaps)).toEqual(
        fmt(
          referenceGaps(['[10:0_20:0)', '[20:0_30:0)', '(30:0_40:0]', '[45:0_50:0)'].map(timeRange), window),
        ),
      );
      const long = await ex().gaps({
        table: 'segments',
        partition: f,
        window,
        minDuration: 6n * S,
        limit: 1,
      });
      expect(long.count).toBe(2);
      expect(fmt(long.gaps)).toEqual(['[0:0_10:0)']);
      const inside = await ex().gaps({
        table: 'segments',
        partition: f,
        window: bounded('[12:0_38:0]'),
        limit: 10,
      });
      expect(fmt(inside.gaps)).toEqual(['[30:0]']);
      const none = await ex().gaps({ table: 'segments', partition: uuid(), window, limit: 10 });
      expect(fmt(none.gaps)).toEqual(['[0:0_60:0)']);
      await expectErrorCode(
        () => ex().gaps({ table: 'segments', partition: f, window: timeRange('[0:0_'), limit: 1 }),
        'INVALID_QUERY',
      );
      await expectErrorCode(
        () => ex().gaps({ table: 'flows', partition: f, window, limit: 1 }),
        'INVALID_QUERY',
      );
    });

    it('agrees with the reference on random segment sets and windows (property)', async () => {
      await fc.assert(
        fc.asyncProperty(
          segmentSets,
          fc.integer({ min: 0, max: 30 }),
          fc.integer({ min: 1, max: 40 }),
          fc.boolean(),
          fc.boolean(),
          async (ranges, from, length, startOpen, endClosed) => {
            const f = uuid();
            if (ranges.length > 0)
              await ex().insert(
                'segments',
                ranges.map((r) => segment(f, r)),
              );
            const window = makeTimeRange({
              start: BigInt(from) * S,
              startInclusive: !startOpen,
              end: BigInt(from + length) * S,
              endInclusive: endClosed,
            }) as Bounded;
            const got = await ex().gaps({ table: 'segments', partition: f, window, limit: 1000 });
            const want = referenceGaps(ranges, window);
            expect(fmt(got.gaps)).toEqual(fmt(want));
            expect(got.count).toBe(want.length);
          },
        ),
        { numRuns: 25 },
      );
    });
  });

  describe('timeline buckets', () => {
    it('counts and covers equal-width buckets, a segment across a boundary in both', async () => {
      const f = uuid();
      await ex().insert('segments', [
        segment(f, '[0:0_10:0)'),
        segment(f, '[15:0_25:0)'),
        segment(f, '[30:0]'),
      ]);
      const got = await ex().timelineBuckets({
        table: 'segments',
        partition: f,
        window: bounded('[0:0_30:0]'),
        buckets: 3,
      });
      expect(got.map((b) => [formatTimeRange(b.range), b.count, b.covered])).toEqual([
        ['[0:0_10:0)', 1, 10n * S],
        ['[10:0_20:0)', 1, 5n * S],
        ['[20:0_30:0]', 2, 5n * S],
      ]);
      await expectErrorCode(
        () =>
          ex().timelineBuckets({
            table: 'segments',
            partition: f,
            window: bounded('[0:0_30:0]'),
            buckets: 0,
          }),
        'INVALID_QUERY',
      );
    });

    it('agrees with the reference, and sums to the covered total (property)', async () => {
      await fc.assert(
        fc.asyncProperty(
          segmentSets,
          fc.integer({ min: 0, max: 20 }),
          fc.integer({ min: 1, max: 40 }),
          fc.integer({ min: 1, max: 9 }),
          async (ranges, from, length, buckets) => {
            const f = uuid();
            if (ranges.length > 0)
              await ex().insert(
                'segments',
                ranges.map((r) => segment(f, r)),
              );
            const window = makeTimeRange({
              start: BigInt(from) * S,
              end: BigInt(from + length) * S + 7n,
            }) as Bounded;
            const got = await ex().timelineBuckets({ table: 'segments', partition: f, window, buckets });
            const want = referenceBuckets(ranges, window, buckets);
            expect(got.map((b) => [formatTimeRange(b.range), b.count, b.covered])).toEqual(
              want.map((b) => [formatTimeRange(b.range), b.count, b.covered]),
            );
            expect(got.reduce((a, b) => a + b.covered, 0n)).toBe(referenceCovered(ranges, window));
          },
        ),
        { numRuns: 20 },
      );
    });
  });

  describe('interval counts', () => {
    it('counts rows per interval of a datetime column, per partition, zeros included', async () => {
      const [a, b] = [uuid(), uuid()];
      const at = (ms: number) => new Date(NOW.getTime() + ms);
      const rows = [
        { ...segment(a, '[0:0_1:0)'), created: at(0) },
        { ...segment(a, '[1:0_2:0)'), created: at(500) },
        { ...segment(a, '[2:0_3:0)'), created: at(2500) },
        { ...segment(a, '[3:0_4:0)'), created: at(9000) },
        { ...segment(b, '[0:0_1:0)'), created: at(1000) },
      ];
      await ex().insert('segments', rows);
      const series = await ex().intervalCounts({
        table: 'segments',
        where: isIn('flow_id', [a, b]),
        column: 'created',
        from: NOW,
        intervalMs: 1000,
        intervals: 4,
        partitionBy: 'flow_id',
      });
      const byFlow = new Map(series.map((s) => [s.partition, s.counts]));
      expect(byFlow.get(a)).toEqual([2, 0, 1, 0]);
      expect(byFlow.get(b)).toEqual([0, 1, 0, 0]);
      const none = await ex().intervalCounts({
        table: 'segments',
        where: eq('flow_id', uuid()),
        column: 'created',
        from: NOW,
        intervalMs: 1000,
        intervals: 2,
      });
      expect(none).toEqual([{ partition: null, counts: [0, 0] }]);
      await expectErrorCode(
        () =>
          ex().intervalCounts({
            table: 'segments',
            column: 'created',
            from: NOW,
            intervalMs: 0,
            intervals: 2,
          }),
        'INVALID_QUERY',
      );
    });
  });
}
