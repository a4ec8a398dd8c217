import type uPlot from 'uplot';
import { formatTimestamp } from '../../../lib/tams/index.js';
import {
  axis,
  bars,
  Chart,
  COLORS,
  taiOfUnixSeconds,
  timeAxis,
  timeSeries,
  unixSecondsOfTai,
} from '../charts.js';
import { coalesce, fill, formatCount, formatRate, formatSeconds, h, shortFormat } from '../dom.js';
import { oneAtATime } from '../one-at-a-time.js';
import { boundsOf, nowTaiNs, rangeEl, taiNs, timeEl } from '../time.js';
import type { View, ViewContext } from '../view.js';
import { panel, stat } from '../view.js';

/**
 * One flow, live: its figures from `flowStats` (paced by the server, sent at once), and on each change a
 * re-read of what the figures do not carry: the coverage timeline (drag to zoom: the zoomed range is
 * queried again with as many buckets, so detail appears as you zoom), the segment-duration
 * distribution, the ingest series with its moving average and anomalies, and the latest segments with
 * their download URLs.
 */

const LIVE = `subscription($id: ID!) {
  flowStats(id: $id, interval: 0.25, heartbeat: 10) {
    id label description format codec container sourceId source { label }
    segmentDuration { numerator denominator }
    stats { segmentCount totalDuration firstStart lastEnd ingestRate(window: 60) }
  }
}`;

const TIMELINE = `query($id: ID!, $range: String, $buckets: Int!) {
  flow(id: $id) {
    timeline(timerange: $range, buckets: $buckets) { timerange segmentCount coveredSeconds }
    coverage(timerange: $range) { timerange ratio gapCount coveredSeconds gaps(limit: 12) { timerange seconds } }
  }
}`;

const DETAILS = `query($id: ID!) {
  flow(id: $id) {
    segmentDurationStats {
      count min max mean stddev
      percentiles(p: [0.5, 0.9, 0.99]) { p value }
      histogram(bins: 24) { lower upper count }
    }
    ingest(interval: 10, last: 90, window: 6) {
      points { start value movingAverage zScore }
      anomalies(threshold: 3) { start }
      trend { direction changePercent }
    }
    segments(reverseOrder: true, limit: 12) { nodes { timerange objectId getUrls { url label presigned } } }
  }
}`;

interface Live {
  flowStats: {
    id: string;
    label: string | null;
    description: string | null;
    format: string;
    codec: string | null;
    container: string | null;
    sourceId: string;
    source: { label: string | null } | null;
    segmentDuration: { numerator: number; denominator: number } | null;
    stats: {
      segmentCount: number;
      totalDuration: number;
      firstStart: string | null;
      lastEnd: string | null;
      ingestRate: number;
    };
  } | null;
}
interface Timeline {
  flow: {
    timeline: { timerange: string; segmentCount: number; coveredSeconds: number }[];
    coverage: {
      timerange: string;
      ratio: number;
      gapCount: number;
      coveredSeconds: number;
      gaps: { timerange: string; seconds: number }[];
    };
  } | null;
}
interface Details {
  flow: {
    segmentDurationStats: {
      count: number;
      min: number | null;
      max: number | null;
      mean: number | null;
      stddev: number | null;
      percentiles: { p: number; value: number | null }[];
      histogram: { lower: number; upper: number; count: number }[];
    };
    ingest: {
      points: { start: string; value: number; movingAverage: number | null; zScore: number | null }[];
      anomalies: { start: string }[];
      trend: { direction: string; changePercent: number | null };
    };
    segments: {
      nodes: {
        timerange: string;
        objectId: string;
        getUrls: { url: string; label: string | null; presigned: boolean }[];
      }[];
    };
  } | null;
}

export function flowPage(ctx: ViewContext, id: string): View {
  const title = h('h1', {}, 'Flow');
  const meta = h('dl', { class: 'meta' });
  const figures = {
    segments: h('span', {}, '…'),
    rate: h('span', {}, '…'),
    first: h('span', {}, '…'),
    last: h('span', {}, '…'),
    lag: h('span', {}, '…'),
  };
  const notice = h('p', { class: 'notice', role: 'status', hidden: true });
  const timelineBox = h('div', { class: 'chart', 'data-testid': 'timeline' });
  const timelineRange = h('span', { 'data-testid': 'timeline-range' });
  const coverageText = h('span', { 'data-testid': 'coverage' });
  const gapList = h('ul', { class: 'gaps', 'data-testid': 'gaps' });
  const resetZoom = h(
    'button',
    { type: 'button', disabled: true, onclick: () => zoomTo(null) },
    'Whole flow',
  );
  const durationsBox = h('div', { class: 'chart' });
  const percentiles = h('dl', { class: 'meta compact', 'data-testid': 'percentiles' });
  const ingestBox = h('div', { class: 'chart' });
  const trend = h('p', { class: 'muted' });
  const segmentRows = h('tbody', { 'data-testid': 'segments' });

  const el = h(
    'div',
    { class: 'view flow' },
    title,
    notice,
    meta,
    h(
      'div',
      { class: 'stats' },
      stat('Segments', figures.segments, 'flow-segments'),
      stat('Ingest (60 s)', figures.rate, 'flow-rate'),
      stat('First segment start', figures.first, 'flow-first-start'),
      stat('Last segment end', figures.last, 'flow-last-end'),
      stat('Lag behind now', figures.lag, 'flow-lag'),
    ),
    panel(
      'Coverage',
      h('div', { class: 'toolbar' }, timelineRange, coverageText, resetZoom),
      h(
        'p',
        { class: 'hint muted' },
        'Drag across the timeline to zoom in; double-click or “Whole flow” to zoom out. Red marks gaps.',
      ),
      timelineBox,
      gapList,
    ),
    h(
      'div',
      { class: 'grid two' },
      panel('Segment durations (seconds)', durationsBox, percentiles),
      panel('Ingest (segments per 10 s, by registration time)', ingestBox, trend),
    ),
    panel(
      'Latest segments',
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          {},
          h(
            'thead',
            {},
            h('tr', {}, h('th', {}, 'Timerange'), h('th', {}, 'Object'), h('th', {}, 'Download')),
          ),
          segmentRows,
        ),
      ),
    ),
  );

  let disposed = false;
  let zoom: string | null = null;
  let timelineChart: Chart | undefined;
  let durationsChart: Chart | undefined;
  let ingestChart: Chart | undefined;
  let lastEnd: string | null = null;
  /** The x range the timeline chart shows: the queried range, not just where the data is. */
  let xRange: [number, number] = [0, 1];

  function zoomTo(range: string | null): void {
    zoom = range;
    resetZoom.disabled = range === null;
    void loadTimeline();
  }

  let timelineGeneration = 0;
  async function loadTimeline(): Promise<void> {
    const mine = ++timelineGeneration;
    const buckets = Math.max(20, Math.min(400, Math.floor((timelineBox.clientWidth || 800) / 4)));
    try {
      const data = await ctx.api.query<Timeline>(TIMELINE, { id, range: zoom, buckets });
      if (disposed || mine !== timelineGeneration || !data.flow) return;
      const { timeline, coverage } = data.flow;
      const xs: number[] = [];
      const covered: (number | null)[] = [];
      const gaps: (number | null)[] = [];
      for (const bucket of timeline) {
        const b = boundsOf(bucket.timerange);
        if (!b) continue;
        const width = Number((b.end - b.start) / 1_000_000n) / 1000;
        const ratio =
          width > 0 ? Math.min(1, bucket.coveredSeconds / width) : bucket.segmentCount > 0 ? 1 : 0;
        xs.push(unixSecondsOfTai(b.start));
        covered.push(ratio);
        gaps.push(ratio < 0.999 ? ratio : null);
      }
      const whole = boundsOf(coverage.timerange);
      xRange = whole ? [unixSecondsOfTai(whole.start), unixSecondsOfTai(whole.end)] : [0, 1];
      if (xRange[1] <= xRange[0]) xRange = [xRange[0], xRange[0] + 1];
      fill(timelineRange, rangeEl(coverage.timerange));
      coverageText.textContent = `${(coverage.ratio * 100).toFixed(coverage.ratio < 1 && coverage.ratio > 0.999 ? 3 : 1)}% covered · ${formatCount(coverage.gapCount)} gap${coverage.gapCount === 1 ? '' : 's'}`;
      fill(
        gapList,
        ...coverage.gaps.map((g) =>
          h('li', {}, rangeEl(g.timerange), ' ', h('span', { class: 'muted' }, formatSeconds(g.seconds))),
        ),
      );
      const plotData: uPlot.AlignedData = [xs, covered, gaps];
      if (timelineChart) timelineChart.setData(plotData);
      else timelineChart = timelineChartIn(timelineBox, plotData, () => xRange, zoomTo);
    } catch (error) {
      if (!disposed) ctx.fail(error);
    }
  }

  async function loadDetails(): Promise<void> {
    try {
      const data = await ctx.api.query<Details>(DETAILS, { id });
      if (disposed || !data.flow) return;
      const { segmentDurationStats: d, ingest, segments } = data.flow;
      // Durations: histogram and figures.
      const hist: uPlot.AlignedData = [d.histogram.map((b) => b.lower), d.histogram.map((b) => b.count)];
      if (durationsChart) durationsChart.setData(hist);
      else
        durationsChart = new Chart(
          durationsBox,
          {
            height: 180,
            legend: { show: false },
            scales: { x: { time: false } },
            axes: [
              axis({ values: (_u, ticks) => ticks.map((t) => `${+t.toFixed(3)} s`) }),
              axis({ size: 50 }),
            ],
            series: [
              {},
              {
                label: 'segments',
                fill: COLORS.bars,
                stroke: COLORS.bars,
                paths: bars(0.9),
                points: { show: false },
              },
            ],
          },
          hist,
        );
      const p = (q: number) => d.percentiles.find((x) => x.p === q)?.value ?? null;
      const dd = (label: string, value: string) => [h('dt', {}, label), h('dd', {}, value)];
      fill(
        percentiles,
        ...dd('count', formatCount(d.count)),
        ...dd('p50', formatSeconds(p(0.5))),
        ...dd('p90', formatSeconds(p(0.9))),
        ...dd('p99', formatSeconds(p(0.99))),
        ...dd('min', formatSeconds(d.min)),
        ...dd('max', formatSeconds(d.max)),
        ...dd('mean', formatSeconds(d.mean)),
        ...dd('std dev', formatSeconds(d.stddev)),
      );
      // Ingest: per interval, moving average, anomalies.
      const anomalous = new Set(ingest.anomalies.map((a) => a.start));
      const series: uPlot.AlignedData = [
        ingest.points.map((pt) => Date.parse(pt.start) / 1000),
        ingest.points.map((pt) => pt.value),
        ingest.points.map((pt) => pt.movingAverage),
        ingest.points.map((pt) => (anomalous.has(pt.start) ? pt.value : null)),
      ];
      if (ingestChart) ingestChart.setData(series);
      else
        ingestChart = new Chart(
          ingestBox,
          {
            height: 180,
            axes: [timeAxis(), axis({ size: 50 })],
            scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] } },
            series: [
              {},
              { label: 'segments', fill: 'rgba(76,154,255,0.35)', stroke: COLORS.line, paths: bars(0.8) },
              { label: 'moving average', stroke: COLORS.average, width: 2 },
              {
                label: 'anomaly',
                stroke: COLORS.anomaly,
                paths: () => null,
                points: { show: true, size: 9, fill: COLORS.anomaly },
              },
            ],
          },
          series,
        );
      trend.textContent = `Trend ${ingest.trend.direction.toLowerCase()}${ingest.trend.changePercent === null ? '' : ` (${ingest.trend.changePercent > 0 ? '+' : ''}${ingest.trend.changePercent.toFixed(0)}%)`}; ${ingest.anomalies.length} anomal${ingest.anomalies.length === 1 ? 'y' : 'ies'} (|z| > 3).`;
      fill(
        segmentRows,
        ...segments.nodes.map((s) =>
          h(
            'tr',
            {},
            h('td', {}, rangeEl(s.timerange), h('code', { class: 'tr' }, s.timerange)),
            h(
              'td',
              {},
              h(
                'code',
                { title: s.objectId },
                s.objectId.length > 24 ? `${s.objectId.slice(0, 24)}…` : s.objectId,
              ),
            ),
            h(
              'td',
              {},
              ...(s.getUrls.length
                ? s.getUrls.map((u, i) =>
                    h(
                      'a',
                      { href: u.url, download: '', rel: 'noreferrer', class: 'download' },
                      u.label ?? (u.presigned ? `download ${i + 1}` : 'URL'),
                    ),
                  )
                : ['—']),
            ),
          ),
        ),
      );
    } catch (error) {
      if (!disposed) ctx.fail(error);
    }
  }

  // At most once a second, and never while the last re-read is still out (one-at-a-time.ts).
  const refresh = coalesce(
    1000,
    oneAtATime(() => Promise.all([loadTimeline(), loadDetails()]).then(() => undefined)),
  );

  const unsubscribe = ctx.api.subscribe<Live>(
    LIVE,
    { id },
    ({ flowStats: f }) => {
      if (!f) {
        notice.hidden = false;
        notice.textContent = 'This flow has been deleted.';
        return;
      }
      document.title = `${f.label || f.id} · TAMS dashboard`;
      fill(
        title,
        f.label || 'Flow without a label',
        ' ',
        h('small', { class: 'muted' }, shortFormat(f.format)),
      );
      const dd = (label: string, value: Node | string) => [h('dt', {}, label), h('dd', {}, value)];
      fill(
        meta,
        ...dd('id', h('code', {}, f.id)),
        ...dd('source', h('a', { href: `#/sources/${f.sourceId}` }, f.source?.label || f.sourceId)),
        ...dd('codec', f.codec ?? '—'),
        ...dd('container', f.container ?? '—'),
        ...dd(
          'segment duration',
          f.segmentDuration
            ? formatSeconds(f.segmentDuration.numerator / f.segmentDuration.denominator)
            : '—',
        ),
        ...(f.description ? dd('description', f.description) : []),
      );
      figures.segments.textContent = formatCount(f.stats.segmentCount);
      figures.rate.textContent = formatRate(f.stats.ingestRate);
      fill(figures.first, timeEl(f.stats.firstStart));
      fill(figures.last, timeEl(f.stats.lastEnd));
      lastEnd = f.stats.lastEnd;
      showLag();
      refresh();
    },
    (error) => ctx.fail(error),
    () => {
      notice.hidden = false;
      notice.textContent = 'This flow has been deleted.';
    },
  );

  function showLag(): void {
    const end = taiNs(lastEnd);
    figures.lag.textContent =
      end === null ? '—' : formatSeconds(Number((nowTaiNs() - end) / 1_000_000n) / 1000);
  }
  const clock = setInterval(showLag, 1000);
  // The ingest series moves with the clock (its current interval fills, old ones scroll out).
  const tick = setInterval(() => void loadDetails(), 10_000);

  return {
    el,
    dispose() {
      disposed = true;
      unsubscribe();
      refresh.cancel();
      clearInterval(clock);
      clearInterval(tick);
      timelineChart?.destroy();
      durationsChart?.destroy();
      ingestChart?.destroy();
    },
  };
}

/** The coverage timeline: covered share per bucket (green) with the uncovered rest marked red. */
function timelineChartIn(
  box: HTMLElement,
  data: uPlot.AlignedData,
  range: () => [number, number],
  zoomTo: (range: string | null) => void,
): Chart {
  const chart = new Chart(
    box,
    {
      height: 160,
      legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
      scales: { x: { time: true, range: () => range() }, y: { range: [0, 1] } },
      axes: [
        timeAxis(),
        axis({ size: 56, values: (_u, ticks) => ticks.map((t) => `${Math.round(t * 100)}%`) }),
      ],
      series: [
        timeSeries(),
        {
          label: 'covered',
          fill: COLORS.covered,
          stroke: COLORS.covered,
          paths: bars(1, 1),
          points: { show: false },
        },
        {
          label: 'gap',
          fill: COLORS.gap,
          stroke: COLORS.gap,
          paths: bars(1, 1),
          fillTo: 1,
          points: { show: false },
        },
      ],
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width < 4) return;
            const from = u.posToVal(u.select.left, 'x');
            const to = u.posToVal(u.select.left + u.select.width, 'x');
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            zoomTo(`[${formatTimestamp(taiOfUnixSeconds(from))}_${formatTimestamp(taiOfUnixSeconds(to))})`);
          },
        ],
      },
    },
    data,
  );
  chart.plot.over.addEventListener('dblclick', () => zoomTo(null));
  return chart;
}
