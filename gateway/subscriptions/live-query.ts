import type { FormattedExecutionResult } from 'graphql';
import type { FeedEvent as TailEvent } from '../../lib/events/outbox-feed.js';
import { SAFE_INTERNAL_MESSAGE } from '../error-codes.js';

/** What a subscriber is sent when resolving an event failed unexpectedly (the log has the cause). */
const INTERNAL: FormattedExecutionResult = {
  errors: [{ message: SAFE_INTERNAL_MESSAGE, extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
};

/**
 * Runs the derived query once, for a state that includes the event at outbox position `seen`; `null`
 * ends the subscription without a result (the caller is gone).
 */
export type Resolve = (seen: bigint) => Promise<FormattedExecutionResult | null>;

/**
 * One subscription's stream of results: each concerning event re-runs the derived query and yields
 * its result. Coalescing bounds the work per subscriber whatever the event rate: while one run is in
 * flight, further events only mark the state stale and one more run follows, and a result the client
 * has not taken yet is replaced by a newer one (results are states, not deltas). A final event
 * (the entity deleted) yields its result and completes.
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

  constructor(
    private readonly concerns: (event: TailEvent) => boolean,
    private readonly isFinal: (event: TailEvent) => boolean,
    private readonly resolve: Resolve,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** The listener to attach to the event feed; `detach` removes it when the stream ends. */
  readonly listener = (event: TailEvent): void => {
    if (this.done || this.finalSeen || !this.concerns(event)) return;
    if (this.isFinal(event)) this.finalSeen = true;
    if (event.position > this.latest) this.latest = event.position;
    if (this.running) this.stale = true;
    else void this.run();
  };

  attach(detach: () => void): void {
    if (this.done) detach();
    else this.detach = detach;
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      do {
        this.stale = false;
        const final = this.finalSeen;
        let result: FormattedExecutionResult | null;
        try {
          result = await this.resolve(this.latest);
        } catch (error) {
          this.onError(error);
          result = INTERNAL;
        }
        if (this.done) return;
        if (result === null) return void this.finish();
        this.push(result);
        if (final) return void this.finish();
      } while (this.stale && !this.done);
    } finally {
      this.running = false;
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
