import type { FormattedExecutionResult } from 'graphql';
import type { FeedEvent } from '../../lib/events/event-feed.js';
import { SAFE_INTERNAL_MESSAGE } from '../error-codes.js';

const INTERNAL: FormattedExecutionResult = {
  errors: [{ message: SAFE_INTERNAL_MESSAGE, extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
};

/** Resolves the event at an outbox position; `null` ends the stream (the caller is gone). */
export type ResolveEvent = (position: bigint) => Promise<FormattedExecutionResult | null>;

/** Events a subscriber may be behind (resolving or not yet taken) before its stream is ended. */
export const DEFAULT_MAX_BEHIND = 1000;

/**
 * One subscription's stream of events (`storeEvents`): each concerning event resolved once and
 * delivered once, in commit order; nothing coalesces, unlike states (live-query.ts). Events resolve one
 * at a time, ahead of the client by at most `maxBehind`: a subscriber further behind than that is sent
 * one `SUBSCRIBER_TOO_SLOW` error and ended, so it knows to reload and resubscribe, rather than
 * silently missing events or holding the gateway's memory.
 */
export class EventStream implements AsyncIterableIterator<FormattedExecutionResult> {
  /** Positions of concerning events not resolved yet, oldest first. */
  private readonly queue: bigint[] = [];
  /** Resolved results the client has not taken yet, oldest first. */
  private readonly ready: FormattedExecutionResult[] = [];
  private readonly waiters: ((r: IteratorResult<FormattedExecutionResult>) => void)[] = [];
  private pumping = false;
  private resolving = false;
  /** No more results will be added (overflow, or the caller gone); ends once `ready` is taken. */
  private ending = false;
  private done = false;
  private detach: () => void = () => {};

  constructor(
    private readonly concerns: (event: FeedEvent) => boolean,
    private readonly resolve: ResolveEvent,
    private readonly onError: (error: unknown) => void,
    private readonly maxBehind = DEFAULT_MAX_BEHIND,
  ) {}

  /** The listener to attach to the event feed. */
  readonly listener = (event: FeedEvent): void => {
    if (this.done || this.ending || !this.concerns(event)) return;
    if (this.behind >= this.maxBehind) return this.overflow();
    this.queue.push(event.position);
    if (!this.pumping) void this.pump();
  };

  /** Events taken from the feed and not yet taken by the client: waiting, resolving, ready. */
  private get behind(): number {
    return this.queue.length + (this.resolving ? 1 : 0) + this.ready.length;
  }

  /** Called once the feed has positioned the listener; `detach` removes it when the stream ends. */
  attach(detach: () => void): void {
    if (this.done) detach();
    else this.detach = detach;
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.queue.length > 0 && !this.done && !this.ending) {
        const position = this.queue.shift()!;
        let result: FormattedExecutionResult | null;
        this.resolving = true;
        try {
          result = await this.resolve(position);
        } catch (error) {
          this.onError(error);
          result = INTERNAL;
        } finally {
          this.resolving = false;
        }
        if (this.done || this.ending) return;
        if (result === null) return this.end();
        this.push(result);
      }
    } finally {
      this.pumping = false;
    }
  }

  private overflow(): void {
    this.queue.length = 0;
    this.push({
      errors: [
        {
          message: `this subscriber fell more than ${this.maxBehind} events behind and was ended: reload what it shows, then subscribe again`,
          extensions: { code: 'SUBSCRIBER_TOO_SLOW' },
        },
      ],
    });
    this.end();
  }

  private push(result: FormattedExecutionResult): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter({ value: result, done: false });
    else this.ready.push(result);
  }

  /** Stops listening to the feed (once). */
  private release(): void {
    const detach = this.detach;
    this.detach = () => {};
    detach();
  }

  /** No more results: the stream completes once the client has taken those ready. */
  private end(): void {
    this.ending = true;
    this.release();
    if (this.ready.length === 0) void this.return();
  }

  next(): Promise<IteratorResult<FormattedExecutionResult>> {
    const value = this.ready.shift();
    if (value !== undefined) {
      if (this.ending && this.ready.length === 0) void this.return();
      return Promise.resolve({ value, done: false });
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  return(): Promise<IteratorResult<FormattedExecutionResult>> {
    if (!this.done) {
      this.done = true;
      this.release();
      this.queue.length = 0;
      this.ready.length = 0;
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
