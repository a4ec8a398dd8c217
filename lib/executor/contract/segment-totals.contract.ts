import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { timeRange } from '../../tams/index.js';
import type { NonEmptyTimeRange } from '../../tams/index.js';
import { and, eq, isIn } from '../predicate.js';
import type { Executor } from '../types.js';
import { segmentSets } from './aggregates.contract.js';
import type { ContractHarness } from './harness.js';
import { expectErrorCode, flow, segment, uuid } from './harness.js';
import { pageThrough } from './nullable-sort.contract.js';

/**
 * The segment totals the database keeps on each flow row (migration 11): `segment_count` and
 * `last_segment_end`, the end of the latest segment (NULL without segments). After any sequence of
 * inserts and deletes, whichever executor operation made them and however batched, they equal a recount
 * of the remaining segments; the flow listing pages by them like by any indexed column.
 */
export function segmentTotalsContract(_h: ContractHarness, ex: () => Executor): void {
  const totalsOf = async (flowId: string) => {
    const [row] = await ex().lookup('flows', 'id', [flowId], {
      columns: ['segment_count', 'last_segment_end'],
    });
    return row ? { count: row.segment_count, last: row.last_segment_end } : null;
  };
  const recount = (ranges: readonly NonEmptyTimeRange[]) => ({
    count: BigInt(ranges.length),
    last: ranges.reduce<bigint | null>((m, r) => (m === null || r.end! > m ? r.end! : m), null),
  });
  const r = (text: string) => timeRange(text) as NonEmptyTimeRange;
  const newFlow = async (source = uuid()) => {
    const f = flow({ source_id: source });
    await ex().insert('flows', [f]);
    return f.id;
  };

  describe('segment totals on flows', () => {
    it('counts segments and follows the latest end through inserts and deletes, instants included', async () => {
      const f = await newFlow();
      expect(await totalsOf(f)).toEqual({ count: 0n, last: null });
      const all = ['[0:0_10:0)', '(10:0_20:0)', '[30:0_40:0]', '(40:0_50:0)', '[50:0]'].map(r);
      const o = (i: number) => `${f}-${i}`;
      await ex().insert('segments', [segment(f, all[2]!, o(2)), segment(f, all[0]!, o(0))]);
      expect(await totalsOf(f)).toEqual(recount([all[0]!, all[2]!]));
      // An earlier segment leaves the latest end; later ones move it.
      await ex().insert('segments', [segment(f, all[1]!, o(1))]);
      await ex().insert('segments', [segment(f, all[3]!, o(3)), segment(f, all[4]!, o(4))]);
      expect(await totalsOf(f)).toEqual(recount(all));
      // (40_50) and [50] end at the same instant: removing either leaves 50:0.
      await ex().delete('segments', eq('object_id', o(3)));
      expect(await totalsOf(f)).toEqual(recount([all[0]!, all[1]!, all[2]!, all[4]!]));
      await ex().delete('segments', isIn('object_id', [o(4), o(0)]));
      expect(await totalsOf(f)).toEqual(recount([all[1]!, all[2]!]));
      await ex().delete('segments', eq('flow_id', f));
      expect(await totalsOf(f)).toEqual({ count: 0n, last: null });
    });

    it('equals a recount after random batched inserts and deletes (property)', async () => {
      await fc.assert(
        fc.asyncProperty(
          segmentSets,
          fc.array(fc.nat(), { minLength: 24, maxLength: 24 }),
          fc.integer({ min: 1, max: 5 }),
          fc.boolean(),
          async (ranges, noise, batch, scoped) => {
            const f = await newFlow();
            const other = await newFlow();
            await ex().insert('segments', [segment(other, '[0:0_1:0)', 'x')]);
            const order = ranges.map((_, i) => i).sort((a, b) => (noise[a % 24]! % 7) - (noise[b % 24]! % 7));
            for (let i = 0; i < order.length; i += batch)
              await ex().insert(
                'segments',
                order.slice(i, i + batch).map((k) => segment(f, ranges[k]!, `${f}-${k}`)),
              );
            expect(await totalsOf(f)).toEqual(recount(ranges));
            const left = new Set(ranges.map((_, i) => i));
            const removal = [...left].sort((a, b) => (noise[(a + 5) % 24]! % 5) - (noise[(b + 5) % 24]! % 5));
            for (let i = 0; i < removal.length; i += batch) {
              const group = removal.slice(i, i + batch);
              // Through the flow's key or not: the triggers see the rows either way.
              const objects = isIn(
                'object_id',
                group.map((k) => `${f}-${k}`),
              );
              const where = scoped ? and(eq('flow_id', f), objects) : objects;
              await ex().delete('segments', where);
              for (const k of group) left.delete(k);
              expect(await totalsOf(f)).toEqual(recount([...left].map((k) => ranges[k]!)));
            }
            expect(await totalsOf(other)).toEqual({ count: 1n, last: r('[0:0_1:0)').end });
          },
        ),
        { numRuns: 40 },
      );
    });

    it('stays exact when writers to one flow run concurrently', async () => {
      const f = await newFlow();
      const all = Array.from({ length: 40 }, (_, i) => r(`[${i}:0_${i + 1}:0)`));
      await Promise.all(all.map((s, i) => ex().insert('segments', [segment(f, s, `${f}-${i}`)])));
      expect(await totalsOf(f)).toEqual(recount(all));
      const gone = new Set([3, 4, 10, 11, 12, 25, 38, 39]);
      await Promise.all([...gone].map((i) => ex().delete('segments', eq('object_id', `${f}-${i}`))));
      expect(await totalsOf(f)).toEqual(recount(all.filter((_, i) => !gone.has(i))));
    });

    it('counts only the rows of a non-atomic batch that went in, in a transaction and out of one', async () => {
      const f = await newFlow();
      const batch = ['[0:0_1:0)', '[0:500000000_2:0)', '[5:0_6:0)', '[5:0_7:0)', '[9:0_10:0)'].map(r);
      const rows = (tag: string) => batch.map((s, i) => segment(f, s, `${f}-${tag}${i}`));
      const outcomes = await ex().insertEach('segments', rows('a'));
      expect(outcomes.map((o) => o.ok)).toEqual([true, false, true, false, true]);
      const accepted = [batch[0]!, batch[2]!, batch[4]!];
      expect(await totalsOf(f)).toEqual(recount(accepted));
      // Again inside a transaction that goes on after the refused rows: all overlap now.
      await ex().transaction(async (tx) => {
        expect((await tx.insertEach('segments', rows('b'))).every((o) => !o.ok)).toBe(true);
        await tx.insert('segments', [segment(f, r('[20:0_21:0)'), `${f}-c`)]);
      });
      expect(await totalsOf(f)).toEqual(recount([...accepted, r('[20:0_21:0)')]));
    });

    it('goes with the flow row: a flow created over remaining segments starts from them', async () => {
      const f = await newFlow();
      await ex().insert('segments', [segment(f, '[0:0_1:0)', `${f}-a`), segment(f, '[1:0_2:0)', `${f}-b`)]);
      await ex().delete('flows', eq('id', f));
      // Segments of a deleted flow go later (background deletion): nothing to keep, nothing fails.
      await ex().delete('segments', eq('object_id', `${f}-a`));
      expect(await totalsOf(f)).toBeNull();
      await ex().insert('flows', [flow({ id: f })]);
      expect(await totalsOf(f)).toEqual(recount([r('[1:0_2:0)')]));
      await ex().delete('segments', eq('flow_id', f));
      expect(await totalsOf(f)).toEqual({ count: 0n, last: null });
    });

    it('refuses writes of the totals: the database keeps them', async () => {
      const f = await newFlow();
      await expectErrorCode(() => ex().update('flows', eq('id', f), { segment_count: 3n }), 'INVALID_VALUE');
      await expectErrorCode(
        () => ex().insert('flows', [{ ...flow(), last_segment_end: 5n } as never]),
        'INVALID_VALUE',
      );
    });

    it('pages the flows by either total to the recounted order; no segments last for the end', async () => {
      const source = uuid();
      const flows: { id: string; count: bigint; last: bigint | null }[] = [];
      for (const n of [2, 0, 1, 2, 0, 3]) {
        const id = await newFlow(source);
        const ranges = Array.from({ length: n }, (_, i) => r(`[${i * 3 + n}:0_${i * 3 + n + 1}:0)`));
        if (n)
          await ex().insert(
            'segments',
            ranges.map((s) => segment(id, s)),
          );
        flows.push({ id, ...recount(ranges) });
      }
      const cmp = <T>(a: T, b: T) => (a < b ? -1 : a > b ? 1 : 0);
      for (const direction of ['asc', 'desc'] as const) {
        const sign = direction === 'desc' ? -1 : 1;
        const byCount = [...flows].sort((a, b) => sign * (cmp(a.count, b.count) || cmp(a.id, b.id)));
        const byLast = [...flows].sort((a, b) => {
          if (a.last === null || b.last === null) if (a.last !== b.last) return a.last === null ? 1 : -1;
          return sign * (cmp(a.last, b.last) || cmp(a.id, b.id));
        });
        for (const limit of [1, 2, 4]) {
          const count = await pageThrough(ex(), source, [{ column: 'segment_count', direction }], limit);
          expect(count.ids).toEqual(byCount.map((f) => f.id));
          const last = await pageThrough(ex(), source, [{ column: 'last_segment_end', direction }], limit);
          expect(last.ids).toEqual(byLast.map((f) => f.id));
        }
      }
    });
  });
}
