import { formatCount, formatRate, formatSeconds, h, shortFormat } from '../dom.js';
import { nowTaiNs, taiNs, timeEl } from '../time.js';

/** The columns of a flow listing (flow list and source page), and the live lag next to them. */

export const FLOW_FIELDS = `id label format codec container sourceId
  stats { segmentCount lastEnd ingestRate(window: 60) }`;

export interface FlowRow {
  id: string;
  label: string | null;
  format: string;
  codec: string | null;
  container: string | null;
  sourceId: string;
  stats: { segmentCount: number; lastEnd: string | null; ingestRate: number };
}

export type SortKey = 'label' | 'format' | 'codec' | 'segments' | 'rate' | 'last' | 'lag';

export const COLUMNS: [SortKey, string][] = [
  ['label', 'Label'],
  ['format', 'Format'],
  ['codec', 'Codec'],
  ['segments', 'Segments'],
  ['rate', 'Ingest (60 s)'],
  ['last', 'Last segment end'],
  ['lag', 'Lag'],
];

/**
 * Columns the API sorts the whole listing by (`flows(sort:)`), with the API's field names. Lag is now −
 * the last segment's end, so it is LAST_SEGMENT the other way round; flows without segments (no lag)
 * come last either way, as the API puts them.
 */
export const SERVER_SORT = {
  label: { field: 'LABEL', reverse: false },
  format: { field: 'FORMAT', reverse: false },
  codec: { field: 'CODEC', reverse: false },
  segments: { field: 'SEGMENT_COUNT', reverse: false },
  last: { field: 'LAST_SEGMENT', reverse: false },
  lag: { field: 'LAST_SEGMENT', reverse: true },
} as const;

/** Seconds the last segment's end is behind the TAI clock now; null without segments. */
export function lagOf(row: FlowRow): number | null {
  const end = taiNs(row.stats.lastEnd);
  return end === null ? null : Number((nowTaiNs() - end) / 1_000_000n) / 1000;
}

/** The ingest rate, a figure of a window of time the API does not index: it orders the page shown. */
export function compareRate(a: FlowRow, b: FlowRow): number {
  return a.stats.ingestRate - b.stats.ingestRate;
}

/** A table row; the lag cell carries `data-last-end` so a timer can refresh it with the clock. */
export function flowRow(row: FlowRow): HTMLTableRowElement {
  const lag = lagOf(row);
  return h(
    'tr',
    { 'data-flow': row.id },
    h('td', {}, h('a', { href: `#/flows/${row.id}` }, row.label || row.id)),
    h('td', {}, shortFormat(row.format)),
    h('td', {}, row.codec ?? '—'),
    h('td', { class: 'num', 'data-testid': 'segment-count' }, formatCount(row.stats.segmentCount)),
    h('td', { class: 'num' }, formatRate(row.stats.ingestRate)),
    h('td', {}, timeEl(row.stats.lastEnd)),
    h(
      'td',
      { class: `num lag ${lagClass(lag)}`, 'data-last-end': row.stats.lastEnd ?? '' },
      formatSeconds(lag),
    ),
  );
}

/** Lag cells follow the clock (a stalled flow's lag grows without any event). */
export function refreshLags(root: ParentNode): void {
  for (const cell of root.querySelectorAll<HTMLElement>('td[data-last-end]')) {
    const end = taiNs(cell.dataset.lastEnd);
    if (end === null) continue;
    const lag = Number((nowTaiNs() - end) / 1_000_000n) / 1000;
    cell.textContent = formatSeconds(lag);
    cell.className = `num lag ${lagClass(lag)}`;
  }
}

/** Live within 30 s, late within 5 min, stalled beyond (archive flows read as stalled: no live edge). */
function lagClass(lag: number | null): string {
  if (lag === null) return 'none';
  return lag <= 30 ? 'ok' : lag <= 300 ? 'late' : 'stalled';
}
