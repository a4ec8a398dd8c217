import type uPlot from 'uplot';
import { axis, Chart, COLORS, timeAxis, timeSeries } from '../charts.js';
import { coalesce, fill, formatBytes, formatCount, formatRate, h, shortFormat } from '../dom.js';
import type { View, ViewContext } from '../view.js';
import { panel, stat } from '../view.js';

/**
 * The store at a glance: totals, store-wide ingest over time, storage by backend and by format, flows
 * by format, and the latest events. Everything arrives by subscription: `storeTotals` (paced, sent at
 * once) and `storeEvents` (each event once). The ingest chart is the store's own history
 * (`analytics.ingest`, counted in the database), so it is whole from the moment the page opens.
 */

/**
 * The counters, every 0.25 s: only what is cheap to count, so that a run of this subscription (which
 * the gateway evaluates whole before sending) is quick when the store is busy.
 */
const TOTALS = `subscription {
  storeTotals(interval: 0.25, heartbeat: 5) {
    totals { flows sources segments rate: ingestRate(window: 10) }
  }
}`;

/** Seconds per point of the ingest chart, and points: the last five minutes, every two seconds. */
const INGEST_INTERVAL = 2;
const INGEST_POINTS = 150;

/**
 * The groupings, stored bytes and the ingest history, every 2 s: each is an aggregate over the flows or
 * the objects (storage by backend and by format cost ~10x the counters in the load check's profile).
 */
const BREAKDOWN = `subscription {
  storeTotals(interval: ${INGEST_INTERVAL}, heartbeat: ${INGEST_INTERVAL}) {
    totals { objectBytes }
    flowUsage { byFormat { key flowCount segmentCount } }
    storageUsage {
      byStorageBackend { key objectCount totalBytes }
      byFlowFormat { key objectCount totalBytes }
    }
    ingest(interval: ${INGEST_INTERVAL}, last: ${INGEST_POINTS + 1}, window: 15) { points { start value movingAverage } }
  }
}`;

const EVENTS = `subscription {
  storeEvents { position type tamsType timestamp flowId sourceId segments { count timerange } flow { label } }
}`;

interface Group {
  key: string | null;
  objectCount: number;
  totalBytes: number;
}
interface Totals {
  storeTotals: { totals: { flows: number; sources: number; segments: number; rate: number } };
}
interface Breakdown {
  storeTotals: {
    totals: { objectBytes: number };
    flowUsage: { byFormat: { key: string | null; flowCount: number; segmentCount: number }[] };
    storageUsage: { byStorageBackend: Group[]; byFlowFormat: Group[] };
    ingest: { points: { start: string; value: number; movingAverage: number | null }[] };
  };
}
interface StoreEvent {
  position: string;
  type: string;
  tamsType: string;
  timestamp: string;
  flowId: string | null;
  sourceId: string | null;
  segments: { count: number | null; timerange: string } | null;
  flow: { label: string | null } | null;
}

const EVENT_ROWS = 30;

export function overview(ctx: ViewContext): View {
  const figures = {
    flows: h('span', {}, '…'),
    sources: h('span', {}, '…'),
    segments: h('span', {}, '…'),
    bytes: h('span', {}, '…'),
    rate: h('span', {}, '…'),
  };
  const chartBox = h('div', { class: 'chart', role: 'img', 'aria-label': 'Store ingest rate over time' });
  const byFormat = h('tbody');
  const byBackend = h('tbody');
  const storageFormat = h('tbody');
  const events = h('tbody', { 'data-testid': 'events' });
  const el = h(
    'div',
    { class: 'view overview' },
    h('h1', {}, 'Store overview'),
    h(
      'div',
      { class: 'stats' },
      stat('Flows', figures.flows, 'total-flows'),
      stat('Sources', figures.sources, 'total-sources'),
      stat('Segments', figures.segments, 'total-segments'),
      stat('Stored', figures.bytes, 'total-bytes'),
      stat('Ingest (10 s)', figures.rate, 'total-rate'),
    ),
    h(
      'div',
      { class: 'grid' },
      panel('Ingest (segments/s per 2 s, last 5 minutes)', chartBox),
      panel('Flows by format', table(['Format', 'Flows', 'Segments'], byFormat)),
      panel('Storage by backend', table(['Backend', 'Objects', 'Bytes'], byBackend)),
      panel('Storage by format', table(['Format', 'Objects', 'Bytes'], storageFormat)),
    ),
    panel('Latest events', table(['Committed', 'Event', 'Flow', 'Segments'], events)),
  );

  // Replaced whole by each update (a fixed number of points: nothing grows on a wall screen).
  let data: uPlot.AlignedData = [[], [], []];
  let chart: Chart | undefined;
  const drawChart = () => {
    if (chart) chart.setData(data);
    else if (chartBox.isConnected) {
      chart = new Chart(
        chartBox,
        {
          height: 220,
          legend: { show: true },
          axes: [timeAxis(), axis({ size: 60 })],
          scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] } },
          series: [
            timeSeries(),
            { label: 'segments/s', stroke: COLORS.line, width: 2, fill: 'rgba(76,154,255,0.12)' },
            { label: '30 s average', stroke: COLORS.average, width: 1.5 },
          ],
        },
        data,
      );
    }
  };
  const redraw = coalesce(250, drawChart);

  const unsubscribeTotals = ctx.api.subscribe<Totals>(
    TOTALS,
    {},
    ({ storeTotals: { totals } }) => {
      figures.flows.textContent = formatCount(totals.flows);
      figures.sources.textContent = formatCount(totals.sources);
      figures.segments.textContent = formatCount(totals.segments);
      figures.rate.textContent = formatRate(totals.rate);
    },
    (e) => ctx.fail(e),
  );

  const unsubscribeBreakdown = ctx.api.subscribe<Breakdown>(
    BREAKDOWN,
    {},
    ({ storeTotals: t }) => {
      figures.bytes.textContent = formatBytes(t.totals.objectBytes);
      fill(
        byFormat,
        ...t.flowUsage.byFormat.map((g) =>
          h(
            'tr',
            {},
            h('td', {}, shortFormat(g.key)),
            h('td', { class: 'num' }, formatCount(g.flowCount)),
            h('td', { class: 'num' }, formatCount(g.segmentCount)),
          ),
        ),
      );
      fillGroups(byBackend, t.storageUsage.byStorageBackend, (key) => key ?? 'client URLs only');
      fillGroups(storageFormat, t.storageUsage.byFlowFormat, (key) =>
        key ? shortFormat(key) : 'not referenced yet',
      );
      // The newest interval is still filling: left out, so the line does not dip at its end.
      const points = t.ingest.points.slice(0, -1);
      data = [
        points.map((p) => Date.parse(p.start) / 1000),
        points.map((p) => p.value / INGEST_INTERVAL),
        points.map((p) => (p.movingAverage === null ? null : p.movingAverage / INGEST_INTERVAL)),
      ];
      redraw();
    },
    (e) => ctx.fail(e),
  );

  const unsubscribeEvents = ctx.api.subscribe<{ storeEvents: StoreEvent }>(
    EVENTS,
    {},
    ({ storeEvents: e }) => {
      const flow = e.flowId
        ? h('a', { href: `#/flows/${e.flowId}` }, e.flow?.label || e.flowId.slice(0, 8))
        : e.sourceId
          ? h('a', { href: `#/sources/${e.sourceId}` }, `source ${e.sourceId.slice(0, 8)}`)
          : '—';
      const segments = e.segments
        ? h(
            'span',
            { title: `TAMS timerange ${e.segments.timerange}` },
            e.segments.count === null ? 'deleted' : `+${e.segments.count}`,
          )
        : '';
      events.prepend(
        h(
          'tr',
          {},
          h('td', {}, new Date(e.timestamp).toISOString().slice(11, 23), ' UTC'),
          h('td', {}, h('code', {}, e.tamsType)),
          h('td', {}, flow),
          h('td', {}, segments),
        ),
      );
      while (events.rows.length > EVENT_ROWS) events.lastElementChild?.remove();
    },
    (e) => ctx.fail(e),
  );

  return {
    el,
    dispose() {
      unsubscribeTotals();
      unsubscribeBreakdown();
      unsubscribeEvents();
      redraw.cancel();
      chart?.destroy();
    },
  };
}

function table(headings: string[], body: HTMLTableSectionElement): HTMLElement {
  return h(
    'table',
    {},
    h('thead', {}, h('tr', {}, ...headings.map((t, i) => h('th', { class: i ? 'num' : '' }, t)))),
    body,
  );
}

function fillGroups(
  body: HTMLTableSectionElement,
  groups: Group[],
  name: (key: string | null) => string,
): void {
  const most = Math.max(1, ...groups.map((g) => Number(g.totalBytes)));
  fill(
    body,
    ...groups.map((g) =>
      h(
        'tr',
        {},
        h('td', {}, name(g.key)),
        h('td', { class: 'num' }, formatCount(g.objectCount)),
        h(
          'td',
          { class: 'num' },
          h('span', { class: 'bar', style: `--share: ${(Number(g.totalBytes) / most).toFixed(3)}` }),
          formatBytes(g.totalBytes),
        ),
      ),
    ),
  );
}
