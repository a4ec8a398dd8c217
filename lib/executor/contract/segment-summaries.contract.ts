import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTimeRange, timeRange, unionOf } from '../../tams/index.js';
import type { NonEmptyTimeRange, TimeRange } from '../../tams/index.js';
import { eq, isIn } from '../predicate.js';
import type { Executor } from '../types.js';
import { referenceCovered, referenceGaps } from '../test-support/reference-stats.js';
import { segmentSets } from './aggregates.contract.js';
import type { ContractHarness } from './harness.js';
import { expectErrorCode, segment, uuid } from './harness.js';

const fmt = (rs: readonly TimeRange[]) => rs.map(formatTimeRange);

/**
 * The segment summaries the database keeps with the segments (coverage runs, duration counts): after
 * any sequence of inserts and deletes, whatever executor operation made them and however they were
 * batched, they equal what the remaining segments give when recomputed from scratch (the reference:
 * `unionOf` of lib/tams for the runs, a count per duration).
 */
export function segmentSummariesContract(_h: ContractHarness, ex: () => Executor): void {
  const runsOf = async (flowId: string) =>
    fmt(
      (
        await ex().select({
          table: 'segment_runs',
          where: eq('flow_id', flowId),
          orderBy: [{ column: 'timerange' }],
          limit: 10_000,
        })
      ).rows.map((r) => r.timerange),
    );
  const durationsOf = async (flowId: string) =>
    Object.fromEntries(
      (
        await ex().select({
          table: 'segment_durations',
          where: eq('flow_id', flowId),
          orderBy: [{ column: 'duration' }],
          limit: 10_000,
        })
      ).rows.map((r) => [String(r.duration), r.segments]),
    );
  const referenceDurations = (ranges: readonly NonEmptyTimeRange[]) => {
    const counts = new Map<bigint, bigint>();
    for (const r of ranges) counts.set(r.end! - r.start!, (counts.get(r.end! - r.start!) ?? 0n) + 1n);
    return Object.fromEntries(
      [...counts].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([d, n]) => [String(d), n]),
    );
  };
  const expectExact = async (flowId: string, ranges: readonly NonEmptyTimeRange[]) => {
    expect(await runsOf(flowId)).toEqual(fmt(unionOf(ranges)));
    expect(await durationsOf(flowId)).toEqual(referenceDurations(ranges));
  };
  const r = (text: string) => timeRange(text) as NonEmptyTimeRange;

  describe('segment summaries', () => {
    it('merges segments that touch and keeps apart those with an uncovered instant between', async () => {
      const cases: [string[], string[]][] = [
        [['[0:0_10:0)', '[10:0_20:0)'], ['[0:0_20:0)']],
        [
          ['[0:0_10:0)', '(10:0_20:0)'],
          ['[0:0_10:0)', '(10:0_20:0)'],
        ],
        [['[0:0_10:0]', '(10:0_20:0)'], ['[0:0_20:0)']],
        [['[0:0_10:0)', '(10:0_20:0)', '[10:0]'], ['[0:0_20:0)']],
        [
          ['[5:0]', '(5:0_6:0]', '[7:0_8:0)'],
          ['[5:0_6:0]', '[7:0_8:0)'],
        ],
      ];
      for (const [segments, runs] of cases) {
        // One statement, then one segment per statement in reverse order: same runs.
        const together = uuid();
        await ex().insert(
          'segments',
          segments.map((s) => segment(together, s)),
        );
        expect(await runsOf(together), segments.join(' ')).toEqual(runs);
        const apart = uuid();
        for (const s of [...segments].reverse()) await ex().insert('segments', [segment(apart, s)]);
        expect(await runsOf(apart), segments.join(' ')).toEqual(runs);
      }
    });

    it('joins two runs when a segment fills the gap between them', async () => {
      const f = uuid();
      await ex().insert('segments', [segment(f, '[0:0_10:0)'), segment(f, '[20:0_30:0)')]);
      expect(await runsOf(f)).toEqual(['[0:0_10:0)', '[20:0_30:0)']);
      await ex().insert('segments', [segment(f, '[10:0_20:0)')]);
      await expectExact(f, [r('[0:0_10:0)'), r('[10:0_20:0)'), r('[20:0_30:0)')]);
    });

    it('splits runs exactly when segments go from the middle or the edges', async () => {
      const f = uuid();
      const all = ['[0:0_10:0)', '[10:0_20:0]', '(20:0_30:0)', '[30:0]', '(30:0_40:0)'].map(r);
      await ex().insert(
        'segments',
        all.map((s, i) => segment(f, s, `o${i}`)),
      );
      await expectExact(f, all);
      await ex().delete('segments', eq('object_id', 'o3')); // the instant in the middle
      await expectExact(f, [all[0]!, all[1]!, all[2]!, all[4]!]);
      await ex().delete('segments', isIn('object_id', ['o0', 'o4'])); // both edges
      await expectExact(f, [all[1]!, all[2]!]);
      await ex().delete('segments', eq('flow_id', f));
      await expectExact(f, []);
    });

    it('stays exact under random batched inserts and deletes (property)', async () => {
      await fc.assert(
        fc.asyncProperty(
          segmentSets,
          fc.array(fc.nat(), { minLength: 24, maxLength: 24 }),
          fc.integer({ min: 1, max: 5 }),
          async (ranges, noise, batch) => {
            const f = uuid();
            // Inserted in a shuffled order, `batch` per statement; then removed in shuffled groups.
            const order = ranges.map((_, i) => i).sort((a, b) => (noise[a % 24]! % 7) - (noise[b % 24]! % 7));
            for (let i = 0; i < order.length; i += batch)
              await ex().insert(
                'segments',
                order.slice(i, i + batch).map((k) => segment(f, ranges[k]!, `o${k}`)),
              );
            await expectExact(f, ranges);
            const left = new Set(ranges.map((_, i) => i));
            const removal = [...left].sort((a, b) => (noise[(a + 5) % 24]! % 5) - (noise[(b + 5) % 24]! % 5));
            for (let i = 0; i < removal.length; i += batch) {
              const group = removal.slice(i, i + batch);
              await ex().delete(
                'segments',
                isIn(
                  'object_id',
                  group.map((k) => `o${k}`),
                ),
              );
              for (const k of group) left.delete(k);
              await expectExact(
                f,
                [...left].sort((a, b) => a - b).map((k) => ranges[k]!),
              );
            }
          },
        ),
        { numRuns: 40 },
      );
    });

    it('stays exact when writers to one flow run concurrently', async () => {
      // PostgreSQL: separate pool connections, serialised per flow by the advisory lock the triggers take.
      const f = uuid();
      const all = Array.from({ length: 40 }, (_, i) => r(`[${i}:0_${i + 1}:0)`));
      await Promise.all(all.map((s, i) => ex().insert('segments', [segment(f, s, `o${i}`)])));
      await expectExact(f, all);
      const gone = new Set([3, 4, 10, 11, 12, 25, 39]);
      await Promise.all([...gone].map((i) => ex().delete('segments', eq('object_id', `o${i}`))));
      await expectExact(
        f,
        all.filter((_, i) => !gone.has(i)),
      );
    });

    it('gives the gaps and the covered time the segments give (property)', async () => {
      await fc.assert(
        fc.asyncProperty(
          segmentSets,
          fc.integer({ min: 0, max: 30 }),
          fc.integer({ min: 1, max: 40 }),
          async (ranges, a, span) => {
            const f = uuid();
            if (ranges.length > 0)
              await ex().insert(
                'segments',
                ranges.map((s) => segment(f, s)),
              );
            const window = r(`[${a}:0_${a + span}:0)`);
            const fromRuns = await ex().gaps({ table: 'segment_runs', partition: f, window, limit: 1000 });
            expect(fmt(fromRuns.gaps)).toEqual(fmt(referenceGaps(ranges, window)));
            const [covered] = await ex().aggregate({
              table: 'segment_runs',
              where: eq('flow_id', f),
              measures: { c: { fn: 'sum', of: { kind: 'duration', column: 'timerange', clip: window } } },
            });
            expect(covered!.values.c ?? 0n).toBe(referenceCovered(ranges, window));
          },
        ),
        { numRuns: 15 },
      );
    });

    it('gives, weighted, the duration distribution the segments give, on both of its paths', async () => {
      const f = uuid();
      const ranges = ['[0:0_2:0)', '[2:0_4:0)', '[5:0_6:0)', '[6:0_9:0)', '[9:0_11:0)', '[12:0]'].map(r);
      await ex().insert(
        'segments',
        ranges.map((s) => segment(f, s)),
      );
      for (const exactDistinctLimit of [0, 10_000]) {
        const ask = { percentiles: [0, 0.25, 0.5, 0.9, 1], bins: 3, exactDistinctLimit };
        const fromSegments = await ex().distribution({
          table: 'segments',
          where: eq('flow_id', f),
          of: { kind: 'duration', column: 'timerange' },
          ...ask,
        });
        const fromCounts = await ex().distribution({
          table: 'segment_durations',
          where: eq('flow_id', f),
          of: { kind: 'column', column: 'duration' },
          weight: 'segments',
          ...ask,
        });
        expect(fromCounts.count).toBe(6);
        expect({ ...fromCounts, mean: 0, stddev: 0 }).toEqual({ ...fromSegments, mean: 0, stddev: 0 });
        expect(fromCounts.mean).toBeCloseTo(fromSegments.mean!, 0);
        expect(fromCounts.stddev).toBeCloseTo(fromSegments.stddev!, 0);
      }
      await expectErrorCode(
        () =>
          ex().distribution({
            table: 'segment_durations',
            of: { kind: 'column', column: 'duration' },
            weight: 'flow_id',
          }),
        'INVALID_QUERY',
      );
    });

    it('refuses writes: the database keeps the summaries', async () => {
      await expectErrorCode(
        () => ex().insert('segment_runs', [{ flow_id: uuid(), timerange: r('[0:0_1:0)') }]),
        'INVALID_QUERY',
      );
      await expectErrorCode(() => ex().delete('segment_durations', eq('flow_id', uuid())), 'INVALID_QUERY');
    });
  });
}
