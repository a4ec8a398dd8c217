import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { taiFromUnixNs, unixNsFromTai } from '../../lib/tams/index.js';

/**
 * uPlot charts sized to their container (and resized with it: 1280×720 laptops to 4K wall screens), with
 * time axes in UTC. Chart x values are Unix seconds (what uPlot's time axes expect); TAMS positions are
 * TAI, converted with the leap-second table of lib/tams on the way in and out.
 */

export const COLORS = {
  covered: '#3fb27f',
  gap: '#e5484d',
  line: '#4c9aff',
  average: '#f5a524',
  anomaly: '#e5484d',
  bars: '#8e7cc3',
};

/** Unix seconds (float) for a TAI instant in ns. */
export const unixSecondsOfTai = (taiNs: bigint): number => Number(unixNsFromTai(taiNs) / 1_000_000n) / 1000;

/** TAI ns for Unix seconds (float): a chart position back to the TAMS timeline (ms precision). */
export const taiOfUnixSeconds = (seconds: number): bigint =>
  taiFromUnixNs(BigInt(Math.round(seconds * 1000)) * 1_000_000n);

export const utcDate = (ts: number): Date => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC');

const css = (name: string, fallback: string) =>
  getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

/** `2026-12-05 01:37:06` in UTC for a chart's Unix seconds. */
export const utcLabel = (ts: number): string =>
  new Date(ts * 1000).toISOString().replace('T', ' ').slice(0, 19);

/**
 * A time axis in UTC, 24-hour, as broadcast engineers read it: seconds when the ticks are seconds
 * apart, the date under the first tick and wherever the day changes.
 */
export function timeAxis(): uPlot.Axis {
  return axis({
    values: (_u, ticks, _axis, _space, increment) => {
      let day = '';
      return ticks.map((t) => {
        const iso = new Date(t * 1000).toISOString();
        const clock = increment < 60 ? iso.slice(11, 19) : iso.slice(11, 16);
        const date = iso.slice(0, 10);
        const label = increment >= 86_400 ? date : date !== day ? `${clock}\n${date}` : clock;
        day = date;
        return label;
      });
    },
  });
}

/** The x series of a time chart: its legend value in UTC. */
export const timeSeries = (): uPlot.Series => ({
  label: 'UTC',
  value: (_u, v) => (v === null ? '—' : utcLabel(v)),
});

/** Axis colours from the page's theme. */
export function axis(extra: uPlot.Axis = {}): uPlot.Axis {
  const ink = css('--muted', '#9aa4b2');
  return {
    stroke: ink,
    grid: { stroke: css('--grid', 'rgba(255,255,255,0.07)'), width: 1 },
    ticks: { stroke: css('--grid', 'rgba(255,255,255,0.07)'), width: 1 },
    ...extra,
  };
}

/** A chart that follows its container's width; `destroy` when the view goes. */
export class Chart {
  readonly plot: uPlot;
  private readonly observer: ResizeObserver;

  constructor(
    readonly container: HTMLElement,
    opts: Omit<uPlot.Options, 'width' | 'height'> & { height?: number },
    data: uPlot.AlignedData,
  ) {
    const height = opts.height ?? 220;
    this.plot = new uPlot(
      { tzDate: utcDate, ...opts, width: Math.max(200, container.clientWidth), height },
      data,
      container,
    );
    let frame = 0;
    this.observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        const width = Math.max(200, container.clientWidth);
        if (width !== this.plot.width) this.plot.setSize({ width, height });
      });
    });
    this.observer.observe(container);
  }

  setData(data: uPlot.AlignedData, resetScales = true): void {
    this.plot.setData(data, resetScales);
  }

  destroy(): void {
    this.observer.disconnect();
    this.plot.destroy();
  }
}

/** Bars `size` of the x step wide; `align` 1 puts a bar's left edge at its x (buckets by their start). */
export const bars = (size = 0.9, align: -1 | 0 | 1 = 0): uPlot.Series.PathBuilder =>
  uPlot.paths.bars!({ size: [size, Number.POSITIVE_INFINITY], align });
export { uPlot };
