/**
 * Admission control: past a bound on requests in flight, or while the event loop lags behind, a new
 * request is refused at once (503 + Retry-After) instead of queueing behind the others until every
 * client times out. A refused request ran nothing, so retrying it is always safe. The check is two
 * comparisons; the lag is sampled by one unref'd timer (docs/decisions.md, "Admission control").
 */

/** Why a request was refused: the label of `tams_http_rejected_total`. */
export type RejectReason = 'in_flight' | 'event_loop_lag';

export interface AdmissionLimits {
  /** Requests in flight past which a new one is refused; 0: no bound. */
  readonly maxInFlight: number;
  /** Smoothed event-loop lag (ms) past which a new request is refused; 0: not checked. */
  readonly maxEventLoopLagMs: number;
  /** What a refused client is told to wait (seconds). */
  readonly retryAfterSeconds: number;
}

/** No bound: what a server built without limits (tests, tools) gets. */
export const UNBOUNDED: AdmissionLimits = { maxInFlight: 0, maxEventLoopLagMs: 0, retryAfterSeconds: 1 };

/** How often the lag is sampled; a sample is how late the timer fired. */
const SAMPLE_MS = 50;
/**
 * Weight of a new sample in the smoothed lag, each sample counted at most twice the limit. One long
 * synchronous task (a big SQLite insert, however long) is one late sample and lifts the smoothed lag to
 * 0.6 of the limit at most: the requests that queued behind it are served once the loop is free again.
 * A loop that stays late (two samples at the cap in a row, or more smaller ones) crosses the limit.
 */
const SMOOTHING = 0.3;
const SAMPLE_CAP = 2;
/**
 * Lag refuses only while at least this many requests are in flight. Overload by requests has many in
 * flight; a loop that lags with a few is slow for another reason (a starved machine, a long background
 * task, a process that seeds its own store), and refusing one of those few sheds nothing: it only fails
 * the request. The in-flight bound still applies whatever the lag.
 */
export const LAG_SHEDS_FROM_IN_FLIGHT = 8;

export class Admission {
  private active = 0;
  private smoothedLagMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private expected = 0;

  constructor(readonly limits: AdmissionLimits) {}

  /** Requests admitted and not yet finished. */
  get inFlight(): number {
    return this.active;
  }

  /** The smoothed event-loop lag, ms (0 until sampling starts). */
  get eventLoopLagMs(): number {
    return this.smoothedLagMs;
  }

  /** Begins sampling the event-loop lag (when a lag limit is set). */
  start(): void {
    if (this.timer || this.limits.maxEventLoopLagMs <= 0) return;
    this.expected = performance.now() + SAMPLE_MS;
    this.timer = setInterval(() => {
      const now = performance.now();
      this.observeLag(now - this.expected);
      this.expected = now + SAMPLE_MS;
    }, SAMPLE_MS);
    this.timer.unref();
  }

  /** One lag sample (how late the sampling timer fired, ms) into the smoothed lag, capped (SAMPLE_CAP). */
  observeLag(lagMs: number): void {
    const lag = Math.min(Math.max(0, lagMs), SAMPLE_CAP * this.limits.maxEventLoopLagMs);
    this.smoothedLagMs = this.smoothedLagMs * (1 - SMOOTHING) + lag * SMOOTHING;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Admits a request (counting it in flight until `release`), or says why it is refused. */
  admit(): RejectReason | null {
    const refused = this.check('request');
    if (!refused) this.active++;
    return refused;
  }

  /**
   * Why something new would be refused now, counting nothing. A WebSocket upgrade is not a request in
   * flight, and lag refuses it whatever the requests in flight: its subscriber's deliveries load the loop
   * for as long as it stays (fan-out lags the loop with no request in flight at all).
   */
  check(kind: 'request' | 'upgrade'): RejectReason | null {
    const { maxInFlight, maxEventLoopLagMs } = this.limits;
    if (maxInFlight > 0 && this.active >= maxInFlight) return 'in_flight';
    if (
      maxEventLoopLagMs > 0 &&
      this.smoothedLagMs > maxEventLoopLagMs &&
      (kind === 'upgrade' || this.active >= LAG_SHEDS_FROM_IN_FLIGHT)
    )
      return 'event_loop_lag';
    return null;
  }

  release(): void {
    this.active--;
  }
}

/** What a refused client reads (REST body summary, GraphQL error message). */
export function refusalMessage(reason: RejectReason): string {
  return reason === 'in_flight'
    ? 'the server has too many requests in flight and did not process this one; retry it after the Retry-After delay'
    : 'the server is overloaded (its event loop lags) and did not process this request; retry it after the Retry-After delay';
}
