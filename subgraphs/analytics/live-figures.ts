import type { ExecutorOps } from '../../lib/executor/index.js';
import { and, eq, isIn, range } from '../../lib/executor/predicate.js';
import type { TimeRange } from '../../lib/tams/index.js';
import { isNonEmpty, nowTai } from '../../lib/tams/index.js';
import { badInput } from './arguments.js';

/**
 * Figures of a live store for dashboards: how far a flow's ingest is behind, how fast segments
 * arrive, and store totals. Each is a bounded read whatever the store's size (no scan of a flow's
 * segments, none of the segments table): live views re-run them every second or so.
 */

/** Longest `window` of an ingest rate (seconds): what the live edge's bounded read is sized for. */
export const MAX_RATE_WINDOW_S = 3600;

/** An ingest rate's `window` argument (seconds) in milliseconds; BAD_USER_INPUT outside (0, 3600]. */
export function rateWindowArg(seconds: number | null | undefined): number {
  const value = seconds ?? 60;
  if (!Number.isFinite(value) || value <= 0 || value > MAX_RATE_WINDOW_S)
    throw badInput(
      `window must be more than 0 and at most ${MAX_RATE_WINDOW_S} seconds, got ${value}`,
      'window',
    );
  return Math.round(value * 1000);
}

/** Seconds from the end of the flow's last segment to now on the TAI timeline; null without segments. */
export function lagSeconds(extent: TimeRange, now: bigint = nowTai()): number | null {
  if (!isNonEmpty(extent) || extent.end === null) return null;
  return Number(now - extent.end) / 1e9;
}

/**
 * Segments of one flow registered in the last `windowMs` (by `created`, wherever they sit on the
 * timeline): one range read of the (flow_id, created) index, the same on a flow of a thousand
 * segments or ten million.
 */
export async function recentIngestCount(
  ex: ExecutorOps,
  flowId: string,
  windowMs: number,
  now: Date,
): Promise<number> {
  return ex.count(
    'segments',
    and(eq('flow_id', flowId), range('created', { gte: new Date(now.getTime() - windowMs) })),
  );
}

export interface StoreTotals {
  readonly flows: number;
  readonly sources: number;
  readonly segments: number;
}

/** Flows, sources and segments in the store (segment counts are kept on the flows). */
export async function storeTotals(ex: ExecutorOps): Promise<StoreTotals> {
  const [flows, sources] = await Promise.all([
    ex.aggregate({
      table: 'flows',
      measures: {
        flows: { fn: 'count' },
        segments: { fn: 'sum', of: { kind: 'column', column: 'segment_count' } },
      },
    }),
    ex.count('sources'),
  ]);
  const values = flows[0]?.values ?? {};
  return {
    flows: Number(values['flows'] ?? 0),
    sources,
    segments: Number(values['segments'] ?? 0),
  };
}

/** Most flows whose ingest is summed for the store's rate (any of those written to in the window). */
export const MAX_ACTIVE_FLOWS = 1000;

/**
 * Segments registered in the store in the last `windowMs`, among the flows written to in that time
 * (`segments_updated`, at most MAX_ACTIVE_FLOWS of them): one count over the (flow_id, created) index
 * for all of them, not a statement per flow.
 */
export async function storeIngestCount(ex: ExecutorOps, windowMs: number, now: Date): Promise<number> {
  const since = new Date(now.getTime() - windowMs);
  const active = await ex.select({
    table: 'flows',
    columns: ['id'],
    where: range('segments_updated', { gte: since }),
    limit: MAX_ACTIVE_FLOWS,
  });
  if (active.rows.length === 0) return 0;
  return ex.count(
    'segments',
    and(
      isIn(
        'flow_id',
        active.rows.map((f) => f.id),
      ),
      range('created', { gte: since }),
    ),
  );
}

/** Longest span (interval × intervals, seconds) of the store's ingest series: a live overview's hour. */
export const MAX_STORE_INGEST_SPAN_S = 3600;

/**
 * Segments registered per interval across the store, the last `intervals` intervals up to `now`: the
 * flows written to since the series starts (`segments_updated`, at most MAX_ACTIVE_FLOWS), then one
 * grouped count of their segments by `created` over the (flow_id, created) index. As Flow.ingest,
 * summed over the store; bounded by the span cap, not by the store's size.
 */
export async function storeIngestSeries(
  ex: ExecutorOps,
  intervalMs: number,
  intervals: number,
  now: Date,
): Promise<{ starts: string[]; counts: readonly number[] }> {
  if (intervalMs * intervals > MAX_STORE_INGEST_SPAN_S * 1000)
    throw badInput(
      `interval × last must be at most ${MAX_STORE_INGEST_SPAN_S} seconds for the store's ingest, got ${
        (intervalMs * intervals) / 1000
      }`,
      'last',
    );
  const from = (Math.floor(now.getTime() / intervalMs) - intervals + 1) * intervalMs;
  const starts = Array.from({ length: intervals }, (_, i) => new Date(from + i * intervalMs).toISOString());
  const active = await ex.select({
    table: 'flows',
    columns: ['id'],
    where: range('segments_updated', { gte: new Date(from) }),
    limit: MAX_ACTIVE_FLOWS,
  });
  if (active.rows.length === 0) return { starts, counts: new Array<number>(intervals).fill(0) };
  const series = await ex.intervalCounts({
    table: 'segments',
    where: isIn(
      'flow_id',
      active.rows.map((f) => f.id),
    ),
    column: 'created',
    from: new Date(from),
    intervalMs,
    intervals,
  });
  return { starts, counts: series[0]?.counts ?? new Array<number>(intervals).fill(0) };
}
