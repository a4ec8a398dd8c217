/**
 * An independent model of timerange membership on the continuous timeline, for property tests. Besides
 * a timestamp p itself it can ask about the points just after (p+ε) and just before (p−ε) p, which is
 * what exclusive markers decide: `(p_q)` holds p+ε but not p, `[a_p)` holds p−ε but not p.
 */
import type { TimeRange } from '../timerange-value.js';

export type Side = -1 | 0 | 1;

export interface Probe {
  readonly at: bigint;
  /** 0: the point itself; 1: points just after it; -1: points just before it. */
  readonly side: Side;
}

export function containsPointOrNeighbour(r: TimeRange, { at: p, side }: Probe): boolean {
  if (r.kind === 'empty') return false;
  const afterStart =
    r.start === null ||
    (side === 0
      ? r.start < p || (r.start === p && r.startInclusive)
      : side === 1
        ? r.start <= p
        : r.start < p);
  const beforeEnd =
    r.end === null ||
    (side === 0 ? p < r.end || (p === r.end && r.endInclusive) : side === 1 ? p < r.end : p <= r.end);
  return afterStart && beforeEnd;
}

/** Every finite bound of the ranges (and 0, so that ranges without bounds get probed), each with ±ε. */
export function probesFor(ranges: Iterable<TimeRange>): Probe[] {
  const points = new Set<bigint>([0n]);
  for (const r of ranges) {
    if (r.kind === 'empty') continue;
    if (r.start !== null) points.add(r.start);
    if (r.end !== null) points.add(r.end);
  }
  const sides: Side[] = [-1, 0, 1];
  return [...points].flatMap((at) => sides.map((side) => ({ at, side })));
}

export function describeProbe({ at, side }: Probe): string {
  return side === 0 ? `${at}` : side === 1 ? `${at}+ε` : `${at}−ε`;
}
