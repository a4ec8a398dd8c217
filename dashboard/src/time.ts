import {
  formatTimeRange,
  formatUtc,
  isNonEmpty,
  parseTimeRange,
  parseTimestamp,
  taiFromUnixNs,
} from '../../lib/tams/index.js';
import { h } from './dom.js';

/**
 * Times as the field reads them: TAMS timestamps are TAI (`seconds:nanoseconds` since 1970-01-01 TAI);
 * operators think in UTC. Every time shows both, with the exact TAMS string on hover.
 */

export const NS = 1_000_000_000n;

/** TAI nanoseconds of a TAMS timestamp string; null when it does not parse. */
export function taiNs(text: string | null | undefined): bigint | null {
  if (!text) return null;
  const parsed = parseTimestamp(text);
  return parsed.ok ? parsed.value : null;
}

/** UTC, e.g. `2026-12-05 01:37:06` (or `…06.250` with `fraction`, ms); the TAMS string when out of range. */
export function utcOf(ns: bigint, fraction = false): string {
  try {
    // formatUtc with 9 digits: `2026-12-05T01:37:06.250000000Z` (23:59:60 inside a leap second).
    const iso = formatUtc(ns, { fraction: 'nanos' });
    const [date, time] = iso.replace(/Z$/, '').split('T') as [string, string];
    return `${date} ${fraction ? time.slice(0, 12) : time.slice(0, 8)}`;
  } catch {
    return `${ns / NS}:${ns % NS}`;
  }
}

/** The TAI wall clock now (ms precision). */
export const nowTaiNs = (): bigint => taiFromUnixNs(BigInt(Date.now()) * 1_000_000n);

/** TAI seconds as a float, for chart axes (ms precision over any store's lifetime is plenty for a plot). */
export const taiSeconds = (ns: bigint): number => Number(ns / 1_000_000n) / 1000;

/** A TAMS timestamp string from float TAI seconds (a chart position). */
export function timestampOf(seconds: number): string {
  const ms = BigInt(Math.round(seconds * 1000));
  const ns = ms * 1_000_000n;
  const s = ns / NS;
  const rest = ns % NS;
  return rest < 0n ? `${s - 1n}:${rest + NS}` : `${s}:${rest}`;
}

/** `<time>` showing UTC with TAI below; the hover shows the TAMS timestamp (and `range`, if given). */
export function timeEl(tams: string | null | undefined, range?: string): HTMLElement {
  const ns = taiNs(tams);
  if (ns === null) return h('span', { class: 'muted' }, '—');
  return h(
    'time',
    { class: 'tai', title: `TAI ${tams}${range ? `\nTAMS timerange ${range}` : ''}` },
    h('span', { class: 'utc' }, utcOf(ns, true), ' UTC'),
    h('span', { class: 'tai-line' }, 'TAI ', tams ?? ''),
  );
}

/** A TAMS timerange shown as UTC start → end, with the exact string on hover. */
export function rangeEl(text: string | null | undefined): HTMLElement {
  if (!text) return h('span', { class: 'muted' }, '—');
  const parsed = parseTimeRange(text);
  if (!parsed.ok || !isNonEmpty(parsed.value)) return h('code', { title: `TAMS timerange ${text}` }, text);
  const { start, end } = parsed.value;
  const side = (v: bigint | null) => (v === null ? '∞' : utcOf(v, true));
  return h(
    'span',
    { class: 'range', title: `TAMS timerange ${formatTimeRange(parsed.value)}` },
    `${side(start)} → ${side(end)} UTC`,
  );
}

/** The TAI bounds (ns) of a bounded timerange; null otherwise. */
export function boundsOf(text: string): { start: bigint; end: bigint } | null {
  const parsed = parseTimeRange(text);
  if (!parsed.ok || !isNonEmpty(parsed.value)) return null;
  const { start, end } = parsed.value;
  return start === null || end === null ? null : { start, end };
}
