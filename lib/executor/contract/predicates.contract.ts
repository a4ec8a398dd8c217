import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  covers as coversRange,
  EMPTY,
  ETERNITY,
  formatTimeRange,
  makeTimeRange,
  overlaps as overlapsRange,
  timeRange,
} from '../../tams/index.js';
import type { TimeRange } from '../../tams/index.js';
import type { TableName } from '../catalog/tables.js';
import type { Predicate } from '../predicate.js';
import {
  and,
  coveredBy,
  covers,
  eq,
  isIn,
  isNull,
  not,
  or,
  overlaps,
  range,
  tagEquals,
  tagExists,
} from '../predicate.js';
import type { Executor } from '../types.js';
import type { ContractHarness } from './harness.js';
import { flow, NOW, uuid } from './harness.js';

/** Random ranges on a small grid so that bounds often coincide and markers decide the answer. */
const S = 1_000_000_000n;
const point = fc.integer({ min: 0, max: 26 }).map((n) => BigInt(n) * (S / 2n));
const anyRange: fc.Arbitrary<TimeRange> = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(EMPTY, ETERNITY) },
  {
    weight: 8,
    arbitrary: fc
      .record({
        start: fc.option(point, { freq: 6 }),
        end: fc.option(point, { freq: 6 }),
        startInclusive: fc.boolean(),
        endInclusive: fc.boolean(),
      })
      .map((b) => makeTimeRange(b)),
  },
);

/** Short candidate segments (0 to 1.5 s) on the same grid: many fit, many collide. */
const segmentRange: fc.Arbitrary<TimeRange> = fc
  .record({
    start: fc.integer({ min: 0, max: 24 }),
    length: fc.integer({ min: 0, max: 3 }),
    startInclusive: fc.boolean(),
    endInclusive: fc.boolean(),
  })
  .map(({ start, length, startInclusive, endInclusive }) =>
    makeTimeRange({
      start: BigInt(start) * (S / 2n),
      end: BigInt(start + length) * (S / 2n),
      startInclusive,
      endInclusive,
    }),
  );

type RangeOp = 'overlaps' | 'coveredBy' | 'covers';
const oracle: Record<RangeOp, (row: TimeRange, q: TimeRange) => boolean> = {
  overlaps: (row, q) => overlapsRange(row, q),
  coveredBy: (row, q) => coversRange(q, row),
  covers: (row, q) => coversRange(row, q),
};
const build: Record<RangeOp, (column: string, q: TimeRange) => Predicate> = { overlaps, coveredBy, covers };

async function idsMatching(ex: Executor, table: TableName, where: Predicate): Promise<string[]> {
  const page = await ex.select({
    table,
    columns: ['id'] as never,
    where,
    orderBy: [{ column: 'id' as never }],
    limit: 1000,
  });
  return (page.rows as unknown as { id: string }[]).map((r) => r.id);
}

export function predicatesContract(_h: ContractHarness, ex: () => Executor): void {
  describe('scalar predicates', () => {
    it('eq, in, range, isNull, not, and, or', async () => {
      const source = uuid();
      const flows = [0, 1, 2, 3, 4].map((i) =>
        flow({
          source_id: source,
          generation: i,
          label: i % 2 ? `odd ${i}` : null,
          codec: i < 3 ? 'video/h264' : 'video/raw',
        }),
      );
      await ex().insert('flows', flows);
      const ids = (...idx: number[]) => idx.map((i) => flows[i]!.id).sort();
      const mine = eq('source_id', source);
      const q = (p: Predicate) => idsMatching(ex(), 'flows', and(mine, p));
      expect(await q(eq('codec', 'video/raw'))).toEqual(ids(3, 4));
      expect(await q(isIn('generation', [0, 4, 99]))).toEqual(ids(0, 4));
      expect(await q(isIn('generation', []))).toEqual([]);
      expect(await q(range('generation', { gt: 1, lte: 3 }))).toEqual(ids(2, 3));
      expect(await q(isNull('label'))).toEqual(ids(0, 2, 4));
      // Two-valued logic: NOT(label = 'odd 1') keeps the rows whose label is NULL.
      expect(await q(not(eq('label', 'odd 1')))).toEqual(ids(0, 2, 3, 4));
      expect(await q(or(eq('generation', 0), eq('label', 'odd 3')))).toEqual(ids(0, 3));
      expect(await q(and())).toEqual(ids(0, 1, 2, 3, 4));
      expect(await q(or())).toEqual([]);
      expect(await q(range('created', { gte: NOW }))).toEqual(ids(0, 1, 2, 3, 4));
    });

    it('tag filters treat any tag name and value as data', async () => {
      const source = uuid();
      const names = ['plain', 'dot.ted', 'with "quotes"', "it's", '$[0]', 'ünï 🎬', '%2F', ''];
      const flows = names.map((name) =>
        flow({ source_id: source, tags: { [name]: `value of ${name}`, common: 'x' } }),
      );
      await ex().insert('flows', flows);
      const mine = eq('source_id', source);
      for (const [i, name] of names.entries()) {
        expect(await idsMatching(ex(), 'flows', and(mine, tagExists('tags', name)))).toEqual([flows[i]!.id]);
        expect(
          await idsMatching(ex(), 'flows', and(mine, tagEquals('tags', name, `value of ${name}`))),
        ).toEqual([flows[i]!.id]);
        expect(await idsMatching(ex(), 'flows', and(mine, tagEquals('tags', name, 'other')))).toEqual([]);
      }
      expect(await idsMatching(ex(), 'flows', and(mine, not(tagExists('tags', 'plain'))))).toHaveLength(
        names.length - 1,
      );
      expect(await idsMatching(ex(), 'flows', and(mine, tagEquals('tags', 'common', 'x')))).toHaveLength(
        names.length,
      );
    });

    it('tag filters are two-valued on a tag map that was never set (NULL) and on an empty one', async () => {
      const source = uuid();
      const unset = flow({ source_id: source });
      const empty = flow({ source_id: source, tags: {} });
      const tagged = flow({ source_id: source, tags: { genre: 'news' } });
      await ex().insert('flows', [unset, empty, tagged]);
      const q = (p: Predicate) => idsMatching(ex(), 'flows', and(eq('source_id', source), p));
      expect(await q(tagExists('tags', 'genre'))).toEqual([tagged.id]);
      expect(await q(tagEquals('tags', 'genre', 'news'))).toEqual([tagged.id]);
      // NOT keeps the rows without the tag, the never-set ones included.
      expect(await q(not(tagExists('tags', 'genre')))).toEqual([unset.id, empty.id].sort());
      expect(await q(not(tagEquals('tags', 'genre', 'news')))).toEqual([unset.id, empty.id].sort());
      expect(await q(isNull('tags'))).toEqual([unset.id]);
    });
  });

  describe('timerange predicates agree with the TAMS time algebra', () => {
    it('on segments (non-empty, bounded, non-overlapping) with the window bound in play', async () => {
      const flowId = uuid();
      // Accept candidate segments one by one; the store must accept exactly those that overlap nothing.
      const candidates = fc.sample(segmentRange, { numRuns: 80, seed: 7 });
      const accepted: TimeRange[] = [];
      for (const r of candidates) {
        if (r.kind === 'empty') continue;
        const outcome = await ex().insertEach('segments', [
          { flow_id: flowId, timerange: r, object_id: formatTimeRange(r), created: NOW },
        ]);
        const expectOk = !accepted.some((a) => overlapsRange(a, r));
        expect(
          outcome[0]!.ok,
          `insert ${formatTimeRange(r)} after ${accepted.map(formatTimeRange).join(' ')}`,
        ).toBe(expectOk);
        if (expectOk) accepted.push(r);
      }
      expect(accepted.length).toBeGreaterThan(10);
      await fc.assert(
        fc.asyncProperty(
          anyRange,
          fc.constantFrom<RangeOp>('overlaps', 'coveredBy', 'covers'),
          async (q, op) => {
            const page = await ex().select({
              table: 'segments',
              where: and(eq('flow_id', flowId), build[op]('timerange', q)),
              orderBy: [{ column: 'timerange' }],
              limit: 1000,
            });
            const got = page.rows.map((r) => r.object_id).sort();
            const want = accepted
              .filter((a) => oracle[op](a, q))
              .map(formatTimeRange)
              .sort();
            expect(got, `${op} ${formatTimeRange(q)}`).toEqual(want);
          },
        ),
        { numRuns: 60, seed: 11 },
      );
    });

    it('on nullable and unbounded columns (EMPTY and infinite bounds)', async () => {
      const flowId = uuid();
      const stored = fc.sample(anyRange, { numRuns: 40, seed: 3 });
      const rows = stored.map((r) => ({
        id: uuid(),
        flow_id: flowId,
        timerange_to_delete: r,
        delete_flow: false,
        status: 'created',
        created: NOW,
        updated: NOW,
      }));
      await ex().insert('flow_delete_requests', rows);
      await fc.assert(
        fc.asyncProperty(
          anyRange,
          fc.constantFrom<RangeOp>('overlaps', 'coveredBy', 'covers'),
          fc.boolean(),
          async (q, op, negate) => {
            const p = build[op]('timerange_to_delete', q);
            const got = await idsMatching(
              ex(),
              'flow_delete_requests',
              and(eq('flow_id', flowId), negate ? not(p) : p),
            );
            const want = rows
              .filter((r) => oracle[op](r.timerange_to_delete, q) !== negate)
              .map((r) => r.id)
              .sort();
            expect(got, `${negate ? 'not ' : ''}${op} ${formatTimeRange(q)}`).toEqual(want);
          },
        ),
        { numRuns: 80, seed: 5 },
      );
      const empties = rows
        .filter((r) => r.timerange_to_delete.kind === 'empty')
        .map((r) => r.id)
        .sort();
      expect(
        await idsMatching(
          ex(),
          'flow_delete_requests',
          and(eq('flow_id', flowId), isNull('timerange_to_delete')),
        ),
      ).toEqual(empties);
    });

    it('folds query bounds beyond the 64-bit range instead of failing', async () => {
      const flowId = uuid();
      await ex().insert('segments', [
        { flow_id: flowId, timerange: timeRange('[0:0_1:0)'), object_id: 'a', created: NOW },
      ]);
      const huge = 10n ** 30n;
      const q = (r: TimeRange, op: RangeOp) =>
        ex().count('segments', and(eq('flow_id', flowId), build[op]('timerange', r)));
      expect(await q(makeTimeRange({ start: -huge, end: huge }), 'overlaps')).toBe(1);
      expect(await q(makeTimeRange({ start: -huge, end: huge }), 'coveredBy')).toBe(1);
      expect(await q(makeTimeRange({ start: huge, end: null }), 'overlaps')).toBe(0);
      expect(await q(makeTimeRange({ start: null, end: -huge }), 'overlaps')).toBe(0);
    });
  });
}
