import type { FormattedExecutionResult } from 'graphql';
import type { FeedEvent as TailEvent } from '../../lib/events/event-feed.js';
import { SAFE_INTERNAL_MESSAGE } from '../error-codes.js';
import type { Pacing } from './subscription-fields.js';

/** What a subscriber is sent when resolving an event failed unexpectedly (the log has the cause). */
const INTERNAL: FormattedExecutionResult = {
  errors: [{ message: SAFE_INTERNAL_MESSAGE, extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
};

/** A result, and the outbox position up to which it reflects every event (`covers` ≥ `seen`). */
export interface Resolution {
  readonly result: FormattedExecutionResult;
  readonly covers: bigint;
}

/**
 * Runs the derived query once, for a state that includes the event at outbox position `seen`; `null`
 * ends the subscription without a result (the caller is gone). A bare result covers `seen` only.
 */
export type Resolve = (seen: bigint) => Promise<FormattedExecutionResult | Resolution | null>;

/** Time as pacing needs it; tests give a manual one. */
export interface Clock {
  now(): number;
  /** Calls `fn` after `ms`; the function returned cancels it. */
  after(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/**
 * One subscription's stream of results: each concerning event re-runs the derived query and yields
 * its result. Coalescing bounds the work per subscriber whatever the event rate: while one run is in
 * flight, further events only mark the state stale and one more run follows, and a result the client
 * has not taken yet is replaced by a newer one (results are states, not deltas). A final event
 * (the entity deleted) yields its result and completes.
 *
 * With pacing (a dashboard's live view), runs start at least `minIntervalMs` apart, events meanwhile
 * coalescing into the next one, and a run also starts after `heartbeatMs` without one, so values that
 * move with the clock (a stalled flow's lag) stay current; an unchanged state is still not re-sent.
 *
 * A push queue rather than an async generator, so `return()` (client `complete`, socket closed)
 * detaches at once even while waiting for the next event.
 */
export class LiveQuery implements AsyncIterableIterator<FormattedExecutionResult> {
  private pending: FormattedExecutionResult | null = null;
  /** next() calls waiting for a result, oldest first (graphql-ws asks one at a time; others may not). */
  private readonly waiters: ((r: IteratorResult<FormattedExecutionResult>) => void)[] = [];
  private running = false;
  private stale = false;
  private finalSeen = false;
  /** The outbox position of the newest concerning event. */
  private latest = 0n;
  private done = false;
  private detach: () => void = () => {};

  /** The fingerprint of the last result pushed (when fingerprints are given). */
  private lastPrint: string | undefined;

  /** Pacing: when the last run started, and the timers of the next paced run and of the heartbeat. */
  private lastStart = Number.NEGATIVE_INFINITY;
  private cancelPaced: (() => void) | null = null;
  private cancelHeartbeat: (() => void) | null = null;

  /**
   * `fingerprint` (optional) says when two results are the same state: one equal to the last pushed is
   * not pushed again. A run that started before an event may well have read the state after it; the
   * run that event then causes finds the same state, which the client has already.
   */
  constructor(
    private readonly concerns: (event: TailEvent) => boolean,
    private readonly isFinal: (event: TailEvent) => boolean,
    private readonly resolve: Resolve,
    private readonly onError: (error: unknown) => void,
    private readonly fingerprint?: (result: FormattedExecutionResult) => string,
    private readonly pacing?: Pacing,
    private readonly clock: Clock = systemClock,
  ) {}

  /** The listener to attach to the event feed; `detach` removes it when the stream ends. */
  readonly listener = (event: TailEvent): void => {
    if (this.done || this.finalSeen || !this.concerns(event)) return;
    if (this.isFinal(event)) this.finalSeen = true;
    if (event.position > this.latest) this.latest = event.position;
    this.wake();
  };

  /** Something to run for: now, after the run in flight, or when pacing allows. */
  private wake(): void {
    if (this.done) return;
    if (this.running) {
      this.stale = true;
      return;
    }
    if (!this.pacing) return void this.run();
    this.stale = true;
    if (this.cancelPaced) return; // a paced run is scheduled already
    const wait = this.lastStart + this.pacing.minIntervalMs - this.clock.now();
    if (wait <= 0) return void this.run();
    this.cancelPaced = this.clock.after(wait, () => {
      this.cancelPaced = null;
      if (this.stale && !this.running) void this.run();
    });
  }

  /** (Re)starts the wait for the heartbeat run. */
  private armHeartbeat(): void {
    this.cancelHeartbeat?.();
    this.cancelHeartbeat = null;
    const heartbeat = this.pacing?.heartbeatMs;
    if (heartbeat == null || this.done || this.finalSeen) return;
    this.cancelHeartbeat = this.clock.after(heartbeat, () => {
      this.cancelHeartbeat = null;
      if (!this.finalSeen) this.wake();
    });
  }

  /**
   * Called once the feed has positioned the listener (`detach` removes it when the stream ends). A
   * paced view starts with the current state; others wait for the first change.
   */
  attach(detach: () => void): void {
    if (this.done) return void detach();
    this.detach = detach;
    if (this.pacing) this.wake();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      do {
        this.lastStart = this.clock.now();
        this.stale = false;
        const final = this.finalSeen;
        let resolved: FormattedExecutionResult | Resolution | null;
        try {
          resolved = await this.resolve(this.latest);
        } catch (error) {
          this.onError(error);
          resolved = INTERNAL;
        }
        if (this.done) return;
        if (resolved === null) return void this.finish();
        const { result, covers } = 'covers' in resolved ? resolved : { result: resolved, covers: -1n };
        const print = this.fingerprint?.(result);
        if (print === undefined || print !== this.lastPrint) {
          this.lastPrint = print;
          this.push(result);
        }
        // Events that arrived during the run but were committed before it read (a poll hands over a
        // batch: the first event starts the run, the others arrive while it waits) are in this
        // result already; running again would send the same state twice.
        if (covers >= this.latest) this.stale = false;
        if (final || (this.finalSeen && !this.stale)) return void this.finish();
      } while (this.stale && !this.done && !this.pacing);
    } finally {
      this.running = false;
    }
    // Paced: events during the run wait for the interval; quiet from here, the heartbeat runs next.
    if (this.pacing && !this.done) {
      this.armHeartbeat();
      if (this.stale) {
        this.stale = false;
        this.wake();
      }
    }
  }

  private push(result: FormattedExecutionResult): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter({ value: result, done: false });
    else this.pending = result; // the newest state replaces one not yet taken
  }

  /** Ends the stream once the pending result (if any) has been taken. */
  private finish(): void {
    this.finalSeen = true;
    if (this.pending === null) void this.return();
  }

  next(): Promise<IteratorResult<FormattedExecutionResult>> {
    if (this.pending !== null) {
      const value = this.pending;
      this.pending = null;
      if (this.finalSeen && !this.running) void this.return();
      return Promise.resolve({ value, done: false });
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  return(): Promise<IteratorResult<FormattedExecutionResult>> {
    if (!this.done) {
      this.done = true;
      this.cancelPaced?.();
      this.cancelHeartbeat?.();
      this.detach();
      this.pending = null;
      for (const waiter of this.waiters.splice(0)) waiter({ value: undefined, done: true });
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<FormattedExecutionResult>> {
    void this.return();
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
