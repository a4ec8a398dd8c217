import type { InsertRow } from '../lib/executor/index.js';
import { makeTimeRange, NS_PER_SECOND } from '../lib/tams/index.js';

/** Where the analytics benches' flows start (2023-11-14, TAI). */
export const T0 = 1_700_000_000n * NS_PER_SECOND;

/**
 * The analytics benches' flow: `count` segments of 5.8–6.2 s from T0, registered 10 ms apart ending now,
 * with a 3 s dropout every 997 segments (gaps for coverage), in batches of `batch` rows.
 */
export function* analyticsSegments(
  flowId: string,
  count: number,
  batch: number,
): Generator<InsertRow<'segments'>[]> {
  let t = T0;
  let rows: InsertRow<'segments'>[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 997 === 996) t += 3n * NS_PER_SECOND; // a dropout
    const length = 6n * NS_PER_SECOND + BigInt((i * 7919) % 400) * 1_000_000n - 200_000_000n;
    rows.push({
      flow_id: flowId,
      timerange: makeTimeRange({ start: t, end: t + length }),
      object_id: `bench-${i}`,
      created: new Date(Date.now() - (count - i) * 10),
    });
    t += length;
    if (rows.length === batch) {
      yield rows;
      rows = [];
    }
  }
  if (rows.length > 0) yield rows;
}
