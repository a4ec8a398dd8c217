/**
 * What a stress run saw: every request (when it was sent, what came back, how long it took), the writes
 * the store acknowledged (the audit reads each back afterwards), the run's phases, and the server
 * processes' RSS and event-loop lag sampled once a second.
 */
import { percentile } from './stats.js';

/**
 * What came back: the status (`503` only with a Retry-After header; `503-no-retry-after` without),
 * `graphql:CODE` for a 200 carrying GraphQL errors, `timeout` (no answer within the client's deadline:
 * a hang), `connection` (refused or reset: nothing listening, or a crash).
 */
export type Outcome = string;

export interface RequestSample {
  /** Milliseconds from the run's start to sending. */
  readonly t: number;
  readonly op: string;
  readonly outcome: Outcome;
  readonly ms: number;
}

/** A segment the store answered 201 for. */
export interface AcknowledgedWrite {
  readonly flowId: string;
  readonly objectId: string;
  readonly timerange: string;
}

export interface ProcessSample {
  /** Seconds from the run's start. */
  readonly t: number;
  readonly process: string;
  readonly rssMiB: number;
  /** The process's event-loop delay p99 over the last second (prom-client), ms; null when not scraped. */
  readonly lagP99Ms: number | null;
  readonly inFlight: number | null;
}

export const isSuccess = (outcome: Outcome) => outcome.startsWith('2');
/** A refusal the client was told to retry after a delay: what overload and a part being down must look like. */
export const isRetryLater = (outcome: Outcome) => outcome === '503' || outcome === '429';

export class Recorder {
  readonly started = performance.now();
  readonly requests: RequestSample[] = [];
  readonly acknowledged: AcknowledgedWrite[] = [];
  readonly processes: ProcessSample[] = [];
  readonly phases: { name: string; t: number }[] = [];

  /** Milliseconds since the run started. */
  now(): number {
    return performance.now() - this.started;
  }

  mark(name: string): number {
    const t = this.now();
    this.phases.push({ name, t });
    return t;
  }

  /** Counts by outcome of the requests sent in [from, to) ms. */
  outcomes(from = 0, to = Infinity): Record<Outcome, number> {
    const counts: Record<Outcome, number> = {};
    for (const r of this.requests)
      if (r.t >= from && r.t < to) counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
    return counts;
  }

  /** Requests per window of `windowMs`: count, failures, p50/p99 latency. */
  windows(windowMs: number): WindowStats[] {
    const buckets = new Map<number, RequestSample[]>();
    for (const r of this.requests) {
      const k = Math.floor(r.t / windowMs);
      let bucket = buckets.get(k);
      if (!bucket) buckets.set(k, (bucket = []));
      bucket.push(r);
    }
    return [...buckets.entries()]
      .sort(([a], [b]) => a - b)
      .map(([k, rs]) => {
        const ms = rs.map((r) => r.ms);
        return {
          fromS: (k * windowMs) / 1000,
          requests: rs.length,
          ok: rs.filter((r) => isSuccess(r.outcome)).length,
          retryLater: rs.filter((r) => isRetryLater(r.outcome)).length,
          failed: rs.filter((r) => !isSuccess(r.outcome) && !isRetryLater(r.outcome)).length,
          p50Ms: round(percentile(ms, 50)),
          p99Ms: round(percentile(ms, 99)),
        };
      });
  }

  /**
   * Seconds from `fromMs` until the store serves again: the start of the first of three consecutive
   * one-second windows in which requests were sent and every one succeeded (and, given `latencyMs`, the
   * window's p50 is within it); null if that never happened.
   */
  recoveredAfter(fromMs: number, latencyMs?: number): number | null {
    const windows = new Map(this.windows(1000).map((w) => [w.fromS, w]));
    const good = (s: number) => {
      const w = windows.get(s);
      return (
        !!w && w.requests > 0 && w.ok === w.requests && (latencyMs === undefined || w.p50Ms <= latencyMs)
      );
    };
    const last = Math.max(...windows.keys());
    for (let s = Math.ceil(fromMs / 1000); s <= last - 2; s++)
      if (good(s) && good(s + 1) && good(s + 2)) return round(Math.max(0, s - fromMs / 1000));
    return null;
  }
}

export interface WindowStats {
  readonly fromS: number;
  readonly requests: number;
  readonly ok: number;
  readonly retryLater: number;
  readonly failed: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export const round = (n: number, digits = 1) => (Number.isFinite(n) ? Number(n.toFixed(digits)) : n);
