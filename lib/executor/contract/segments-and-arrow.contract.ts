import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { formatTimeRange, timeRange } from '../../tams/index.js';
import { ExecutorError } from '../errors.js';
import { eq } from '../predicate.js';
import type { Executor } from '../types.js';
import type { ContractHarness } from './harness.js';
import { expectErrorCode, segment, uuid } from './harness.js';

async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
}

export function segmentsAndArrowContract(h: ContractHarness, ex: () => Executor): void {
  describe('segments never overlap', () => {
    // [first, second, may both be stored?]
    const pairs: [string, string, boolean][] = [
      ['[0:0_10:0)', '[10:0_20:0)', true],
      ['[0:0_10:0]', '[10:0_20:0)', false],
      ['[0:0_10:0]', '(10:0_20:0)', true],
      ['[0:0_10:0)', '(9:999999999_20:0)', false],
      ['[1:0_2:0)', '[2:0]', true],
      ['[2:0]', '(2:0_3:0)', true],
      ['[2:0]', '[2:0_3:0)', false],
      ['[2:0]', '[2:0]', false],
      ['[0:0_10:0)', '[2:0_3:0)', false],
      ['[2:0_3:0)', '[0:0_10:0)', false],
      ['[0:0_10:0)', '[0:0_10:0)', false],
      ['(0:0_10:0)', '[0:0]', true],
    ];
    it.each(pairs)('%s then %s: both stored = %s', async (first, second, ok) => {
      const flowId = uuid();
      await ex().insert('segments', [segment(flowId, first)]);
      if (ok) await ex().insert('segments', [segment(flowId, second)]);
      else await expectErrorCode(() => ex().insert('segments', [segment(flowId, second)]), 'SEGMENT_OVERLAP');
      // Other flows are independent.
      await ex().insert('segments', [segment(uuid(), second)]);
    });

    it('rejects an overlap inside one batch and stores none of it', async () => {
      const flowId = uuid();
      await expectErrorCode(
        () =>
          ex().insert('segments', [
            segment(flowId, '[0:0_2:0)'),
            segment(flowId, '[5:0_6:0)'),
            segment(flowId, '[1:0_3:0)'),
          ]),
        'SEGMENT_OVERLAP',
      );
      expect(await ex().count('segments', eq('flow_id', flowId))).toBe(0);
    });

    it('stores the rest of a non-atomic batch and reports each overlapping row', async () => {
      const flowId = uuid();
      await ex().insert('segments', [segment(flowId, '[10:0_11:0)')]);
      const outcomes = await ex().insertEach('segments', [
        segment(flowId, '[0:0_1:0)'),
        segment(flowId, '[0:500000000_2:0)'),
        segment(flowId, '[10:500000000_12:0)'),
        { ...segment(flowId, '[20:0_21:0)'), object_id: 42 as never },
        segment(flowId, '[11:0_12:0)'),
      ]);
      expect(outcomes.map((o) => (o.ok ? 'ok' : o.error.code))).toEqual([
        'ok',
        'SEGMENT_OVERLAP',
        'SEGMENT_OVERLAP',
        'INVALID_VALUE',
        'ok',
      ]);
      const page = await ex().select({
        table: 'segments',
        where: eq('flow_id', flowId),
        orderBy: [{ column: 'timerange' }],
        limit: 10,
      });
      expect(page.rows.map((r) => formatTimeRange(r.timerange))).toEqual([
        '[0:0_1:0)',
        '[10:0_11:0)',
        '[11:0_12:0)',
      ]);
    });

    it('lets exactly one of 50 concurrent overlapping writers win', async () => {
      const writers = await h.open({ poolSize: 50 });
      try {
        const flowId = uuid();
        const results = await Promise.allSettled(
          Array.from({ length: 50 }, (_, i) =>
            writers.insert('segments', [segment(flowId, `[${i}:0_${i + 50}:0)`, `w${i}`)]),
          ),
        );
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(
          lost.every((r) => r.reason instanceof ExecutorError && r.reason.code === 'SEGMENT_OVERLAP'),
        ).toBe(true);
        expect(await ex().count('segments', eq('flow_id', flowId))).toBe(1);
      } finally {
        await writers.close();
      }
    });

    it('refuses segments that are empty or unbounded', async () => {
      for (const r of ['()', '[5:0_4:0)', '(1:0_1:0]', '[0:0_', '_1:0)', '_'])
        await expectErrorCode(
          () => ex().insert('segments', [segment(uuid(), timeRange(r))]),
          'INVALID_VALUE',
        );
    });
  });

  describe('arrow', () => {
    it('returns a select as an Arrow table with bigint nanoseconds', async () => {
      const flowId = uuid();
      const rows = Array.from({ length: 25 }, (_, i) => ({
        ...segment(flowId, `[${1694429247 + i}:40000000_${1694429248 + i}:40000000)`, `obj-${i}`),
        sample_count: BigInt(i),
        get_urls: i % 2 ? [{ url: `http://example.test/${i}` }] : null,
      }));
      await ex().insert('segments', rows);
      const query = {
        table: 'segments',
        where: eq('flow_id', flowId),
        orderBy: [{ column: 'timerange' }],
        limit: 100,
      } as const;
      const table = await ex().selectArrow(query);
      const page = await ex().select(query);
      expect(table.numRows).toBe(25);
      const arrowRows = table.toArray().map((r) => (r as { toJSON(): Record<string, unknown> }).toJSON());
      arrowRows.forEach((a, i) => {
        const r = page.rows[i]!;
        expect(a.flow_id).toBe(r.flow_id);
        expect(a.object_id).toBe(r.object_id);
        expect(a.timerange_start).toBe(r.timerange.kind === 'range' ? r.timerange.start : null);
        expect(a.timerange_end).toBe(r.timerange.kind === 'range' ? r.timerange.end : null);
        expect(a.timerange_start_inclusive).toBe(true);
        expect(a.timerange_end_inclusive).toBe(false);
        expect(a.sample_count).toBe(r.sample_count);
        expect(a.ts_offset).toBe(0n);
        expect(a.get_urls).toBe(r.get_urls === null ? null : JSON.stringify(r.get_urls));
        expect(a.created).toBe(r.created.getTime());
      });
    });

    it('streams a scan as an Arrow IPC stream in batches and reads back identically', async () => {
      const flowId = uuid();
      await ex().insert(
        'segments',
        Array.from({ length: 50 }, (_, i) => segment(flowId, `[${i}:0_${i + 1}:0)`, `o${i}`)),
      );
      const ipc = await readAll(
        ex().streamArrow({
          table: 'segments',
          columns: ['object_id', 'timerange'],
          where: eq('flow_id', flowId),
          orderBy: [{ column: 'timerange', direction: 'desc' }],
          batchSize: 7,
        }),
      );
      const table = tableFromIPC(ipc);
      expect(table.batches.length).toBeGreaterThanOrEqual(7);
      expect(table.schema.fields.map((f) => f.name)).toEqual([
        'object_id',
        'timerange_start',
        'timerange_start_inclusive',
        'timerange_end',
        'timerange_end_inclusive',
      ]);
      expect(table.getChild('object_id')!.toArray()).toEqual(
        Array.from({ length: 50 }, (_, i) => `o${49 - i}`),
      );
      expect([...table.getChild('timerange_start')!]).toEqual(
        Array.from({ length: 50 }, (_, i) => BigInt(49 - i) * 1_000_000_000n),
      );

      const empty = tableFromIPC(
        await readAll(ex().streamArrow({ table: 'segments', where: eq('flow_id', uuid()) })),
      );
      expect(empty.numRows).toBe(0);
      expect(empty.schema.fields.length).toBeGreaterThan(5);
    });

    it('fails the stream, not the process, when the scan fails', async () => {
      const stream = ex().streamArrow({ table: 'segments', where: { op: 'bogus' } as never });
      await expectErrorCode(() => readAll(stream), 'INVALID_PREDICATE');
    });
  });
}
