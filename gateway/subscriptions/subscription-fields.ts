import type { FeedEvent } from '../../lib/events/event-feed.js';
import type { Caller } from '../auth/caller.js';
import { storeEventConcerns } from './store-event-filter.js';

/** A subscription field's arguments as execution would coerce them (defaults applied). */
export type FieldArguments = Readonly<Record<string, unknown>>;

/**
 * A field that delivers states: the entity (or totals) after the changes that concern it. Each
 * concerning event re-runs the root query field `lookup` with the arguments both fields define;
 * events arriving meanwhile coalesce into one more run (live-query.ts).
 */
export interface StateField {
  readonly kind: 'state';
  /** The Query field that returns the same type; arguments it also defines are passed on to it. */
  readonly lookup: string;
  /** The argument naming the entity (`id`), required; null for store-wide fields. */
  readonly key: 'id' | null;
  concerns(event: FeedEvent, args: FieldArguments): boolean;
  isFinal(event: FeedEvent): boolean;
  /**
   * How often a subscriber may be sent a state at most, and how long it may go without one while
   * nothing changes (a live view whose values move with the clock: a stalled flow's lag). Absent:
   * a state per change, as fast as they come.
   */
  pacing?(args: FieldArguments): Pacing;
}

/**
 * A field that delivers events, each once and in commit order: every concerning event runs the root
 * query field `lookup` with its position as the `position` argument (nothing coalesces).
 */
export interface EventField {
  readonly kind: 'events';
  readonly lookup: string;
  /** `caller` as last authenticated (some event types need more than the subscription's scope). */
  concerns(event: FeedEvent, args: FieldArguments, caller: Caller): boolean;
}

export type SubscriptionField = StateField | EventField;

export interface Pacing {
  /** At least this long between two runs for one subscriber (ms). */
  readonly minIntervalMs: number;
  /** A run after this long without one, event or not (ms); null for never. */
  readonly heartbeatMs: number | null;
}

/** Bounds of the pacing arguments (seconds), so a client cannot ask for a busy loop. */
export const PACING_LIMITS = { minInterval: 0.1, maxInterval: 3600, minHeartbeat: 1 } as const;

/** `interval` and `heartbeat` (seconds) as pacing, clamped to PACING_LIMITS. */
function pacingOf(args: FieldArguments): Pacing {
  const interval = typeof args['interval'] === 'number' ? args['interval'] : 1;
  const heartbeat = typeof args['heartbeat'] === 'number' ? args['heartbeat'] : null;
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  const minInterval = clamp(interval, PACING_LIMITS.minInterval, PACING_LIMITS.maxInterval);
  return {
    minIntervalMs: minInterval * 1000,
    heartbeatMs:
      heartbeat === null
        ? null
        : clamp(heartbeat, Math.max(PACING_LIMITS.minHeartbeat, minInterval), PACING_LIMITS.maxInterval) *
          1000,
  };
}

const flowEvent = (event: FeedEvent, id: unknown) => event.type.startsWith('flows/') && event.flowId === id;

/** How each `Subscription` field of the schema is served. */
export const SUBSCRIPTION_FIELDS: Readonly<Record<string, SubscriptionField>> = {
  flowUpdated: {
    kind: 'state',
    lookup: 'flow',
    key: 'id',
    // flows/created too: a subscriber may wait for a flow that does not exist yet.
    concerns: (event, args) => flowEvent(event, args['id']),
    isFinal: (event) => event.type === 'flows/deleted',
  },
  sourceUpdated: {
    kind: 'state',
    lookup: 'source',
    key: 'id',
    // A flow's events change its source's `flows` (and analytics computed over them).
    concerns: (event, args) => event.sourceId === args['id'],
    isFinal: (event) => event.type === 'sources/deleted',
  },
  flowStats: {
    kind: 'state',
    lookup: 'flow',
    key: 'id',
    concerns: (event, args) => flowEvent(event, args['id']),
    isFinal: (event) => event.type === 'flows/deleted',
    pacing: pacingOf,
  },
  storeTotals: {
    kind: 'state',
    lookup: 'analytics',
    key: null,
    concerns: () => true,
    isFinal: () => false,
    pacing: pacingOf,
  },
  storeEvents: {
    kind: 'events',
    lookup: 'storeEvent',
    concerns: storeEventConcerns,
  },
};
