import type { OutboxEvent } from '../executor/index.js';

/** What a feed listener learns of an event: its type and keys (the payload stays in the outbox). */
export interface FeedEvent {
  readonly type: string;
  readonly flowId: string | null;
  readonly sourceId: string | null;
  /** Its place in the outbox's commit order (`Executor.readOutbox`): strictly increasing along a feed. */
  readonly position: bigint;
}

export type FeedListener = (event: FeedEvent) => void;

/** Where a feed got an event from: the Redis stream, or the outbox table itself. */
export type FeedSource = 'redis' | 'database';

/**
 * Called once per event a feed hands to its listeners (not once per listener), with where it came from
 * and when it was written (the outbox row's timestamp), for metrics: lib/ needs no prom-client.
 */
export type DeliveryObserver = (source: FeedSource, event: FeedEvent, writtenAt: Date) => void;

/**
 * The event bus of one process as its consumers see it: committed outbox events, after a starting
 * position, handed to in-process listeners once each and in commit order. Two implementations:
 * `OutboxFeed` (follows the outbox table itself) and `StreamFeed` (reads the Redis stream a
 * `StreamFollower` publishes, and the outbox when the stream cannot be trusted).
 */
export interface EventFeed {
  /**
   * Adds a listener; resolves once the feed is positioned, so every event committed after that reaches
   * it (a first listener starts the feed at the outbox head: history is never replayed). Resolves to the
   * function that removes it.
   */
  listen(listener: FeedListener): Promise<() => void>;
  /** A local commit happened: look for new events now rather than at the next poll. Cheap; coalesced. */
  wake(): void;
  /** Stops reading and drops every listener; waits for a read in flight. */
  close(): Promise<void>;
  readonly listenerCount: number;
  /**
   * The position of the last event handed to listeners (null while nobody listens): a listener that
   * runs something now knows every event up to it was committed before.
   */
  readonly currentPosition: bigint | null;
}

/** An outbox row as listeners see it. */
export const feedEventOf = (row: OutboxEvent): FeedEvent => ({
  type: row.event_type,
  flowId: row.flow_id,
  sourceId: row.source_id,
  position: row.position,
});
