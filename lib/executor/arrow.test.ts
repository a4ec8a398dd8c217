import { RecordBatchReader, tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ArrowRowConverter, arrowIpcStream } from './arrow.js';
import { TableInfo } from './sql/table-info.js';

/**
 * `arrowIpcStream` is pulled: a page is read only when the consumer asks for the next chunk, so a slow
 * HTTP client holds one batch in memory, never the whole scan.
 */

const converter = new ArrowRowConverter(TableInfo.of('segments'), ['object_id', 'ts_offset']);
const rows = (page: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({ object_id: `p${page}-${i}`, ts_offset: BigInt(i) }));

/** Pages of `n` rows, counting how many were read and whether the source was stopped. */
function countingPages(pageCount: number, n: number) {
  const state = { read: 0, stopped: false };
  async function* pages() {
    try {
      for (let p = 0; p < pageCount; p++) {
        state.read++;
        await Promise.resolve();
        yield rows(p, n);
      }
    } finally {
      state.stopped = true;
    }
  }
  return { state, pages: pages() };
}

describe('arrowIpcStream', () => {
  it('reads the next page only when the next chunk is asked for', async () => {
    const { state, pages } = countingPages(5, 3);
    const stream = arrowIpcStream(converter, pages);
    const chunks: Uint8Array[] = [];
    for (let i = 1; i <= 5; i++) {
      const next = await stream.next();
      expect(next.done).toBe(false);
      chunks.push(next.value as Uint8Array);
      expect(state.read).toBe(i);
    }
    for (let next = await stream.next(); !next.done; next = await stream.next()) chunks.push(next.value);
    const batches = [...RecordBatchReader.from(Buffer.concat(chunks))];
    expect(batches.map((b) => b.numRows)).toEqual([3, 3, 3, 3, 3]);
    expect(batches[4]!.getChild('object_id')!.get(2)).toBe('p4-2');
  });

  it('stops the source when the consumer stops early', async () => {
    const { state, pages } = countingPages(1000, 3);
    const stream = arrowIpcStream(converter, pages);
    await stream.next();
    await stream.next();
    await stream.return(undefined);
    expect(state).toEqual({ read: 2, stopped: true });
  });

  it('carries the schema and an empty batch when there are no rows', async () => {
    const chunks: Uint8Array[] = [];
    for await (const c of arrowIpcStream(converter, countingPages(0, 0).pages)) chunks.push(c);
    const table = tableFromIPC(Buffer.concat(chunks));
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['object_id', 'ts_offset']);
  });

  it('fails the stream when the source fails, after what was already out', async () => {
    async function* failing() {
      yield rows(0, 2);
      await Promise.resolve();
      throw new Error('the database went away');
    }
    const stream = arrowIpcStream(converter, failing());
    expect((await stream.next()).done).toBe(false);
    await expect(stream.next()).rejects.toThrow('the database went away');
  });

  it('writes nulls, non-ASCII text, booleans and 64-bit values exactly', async () => {
    const all = new ArrowRowConverter(TableInfo.of('segments'), [
      'timerange',
      'object_id',
      'sample_count',
      'created',
    ]);
    const big = 9_007_199_254_740_993n; // not a double
    const rows = [
      {
        timerange: { kind: 'range', start: big, end: big + 1n, startInclusive: true, endInclusive: true },
        object_id: 'caméra/été-📼',
        sample_count: null,
        created: new Date(1_700_000_000_123),
      },
      {
        timerange: { kind: 'range', start: -5n, end: null, startInclusive: false, endInclusive: false },
        object_id: '',
        sample_count: 42n,
        created: new Date(0),
      },
    ];
    const chunks: Uint8Array[] = [];
    async function* one() {
      await Promise.resolve();
      yield rows;
    }
    for await (const c of arrowIpcStream(all, one())) chunks.push(c);
    const read = tableFromIPC(Buffer.concat(chunks))
      .toArray()
      .map((r) => (r as { toJSON(): Record<string, unknown> }).toJSON());
    expect(read).toEqual([
      {
        timerange_start: big,
        timerange_start_inclusive: true,
        timerange_end: big + 1n,
        timerange_end_inclusive: true,
        object_id: 'caméra/été-📼',
        sample_count: null,
        created: 1_700_000_000_123,
      },
      {
        timerange_start: -5n,
        timerange_start_inclusive: false,
        timerange_end: null,
        timerange_end_inclusive: false,
        object_id: '',
        sample_count: 42n,
        created: 0,
      },
    ]);
  });
});
