import type { Executor, OutboxEvent } from '../executor/index.js';
import type { DeliveryObserver, EventFeed, FeedListener } from './event-feed.js';
import { feedEventOf } from './event-feed.js';

export type { FeedEvent, FeedListener } from './event-feed.js';

export interface OutboxFeedOptions {
  /** How often the outbox is read while someone listens; `wake()` reads at once. Default 250 ms. */
  readonly pollMs?: number;
  /** Events read per query. Default 500. */
  readonly batchSize?: number;
  readonly log?: { error(details: Record<string, unknown>, message: string): void };
  /** Told of each event handed out (metrics: source `database`). */
  readonly onDelivered?: DeliveryObserver;
}

/**
 * Follows the event outbox from "now" and hands each newly committed event to in-process listeners:
 * the event bus of one process (today GraphQL subscriptions listen; it knows nothing of them). It
 * reads only while someone listens, and a first listener starts at the outbox head, so history is
 * never replayed. Every process that serves subscriptions runs its own feed against the shared
 * database, so no broker is needed for them to see each other's writes; the outbox's commit order
 * (docs/decisions.md §8) makes every event arrive once.
 */
export class OutboxFeed implements EventFeed {
  private readonly listeners = new Set<FeedListener>();
  private readonly pollMs: number;
  private readonly batchSize: number;
  private position: bigint | null = null;
  /** The position being fetched for a first listener; listeners wait for it. */
  private positioning: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reading: Promise<void> | null = null;
  private readAgain = false;
  private closed = false;

  constructor(
    private readonly executor: Executor,
    private readonly options: OutboxFeedOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 250;
    this.batchSize = options.batchSize ?? 500;
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** The position of the last event handed to listeners (null while nobody listens). */
  get currentPosition(): bigint | null {
    return this.position;
  }

  /**
   * Adds a listener; resolves once the feed is positioned, so every event committed after that
   * reaches it. Returns the function that removes it.
   */
  async listen(listener: FeedListener): Promise<() => void> {
    if (this.closed) throw new Error('the outbox feed is closed');
    this.listeners.add(listener);
    const remove = () => this.unlisten(listener);
    if (this.position === null) {
      this.positioning ??= this.executor.outboxHead().then(
        (head) => {
          this.positioning = null;
          if (this.closed) throw new Error('the outbox feed is closed');
          // Everyone left while the head was fetched: stay stopped.
          if (this.listeners.size === 0) return;
          this.position = head;
          this.timer ??= setInterval(() => this.wake(), this.pollMs);
          this.timer.unref();
        },
        (error: unknown) => {
          this.positioning = null;
          throw error;
        },
      );
      try {
        await this.positioning;
      } catch (error) {
        remove();
        throw error;
      }
    }
    return remove;
  }

  /** Reads now (after a local write) instead of at the next poll. */
  wake(): void {
    if (this.position === null || this.closed) return;
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = this.readAll().finally(() => {
      this.reading = null;
      if (this.readAgain) {
        this.readAgain = false;
        this.wake();
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    this.stop();
    await this.reading;
  }

  private unlisten(listener: FeedListener): void {
    this.listeners.delete(listener);
    // Nobody listens: stop reading. The next first listener starts again at the head.
    if (this.listeners.size === 0) this.stop();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.position = null;
  }

  private async readAll(): Promise<void> {
    try {
      for (;;) {
        const from = this.position;
        if (from === null) return;
        const events = await this.executor.readOutbox(from, this.batchSize);
        // Stopped (or restarted from a new head) meanwhile: these events are nobody's.
        if (this.position !== from) return;
        for (const event of events) {
          if (this.position === null) return; // the last listener left during this batch
          // Advanced before the listeners run: `position` then covers the event they react to.
          this.position = event.position;
          this.emit(event);
        }
        if (events.length < this.batchSize) return;
      }
    } catch (error) {
      // The next poll retries from the same position: nothing is skipped.
      this.options.log?.error({ err: error }, 'reading the event outbox for subscriptions failed; retrying');
    }
  }

  private emit(row: OutboxEvent): void {
    const event = feedEventOf(row);
    this.options.onDelivered?.('database', event, row.event_timestamp);
    for (const listener of [...this.listeners])
      try {
        listener(event);
      } catch (error) {
        this.options.log?.error({ err: error }, 'a subscription listener failed on an event');
      }
  }
}
