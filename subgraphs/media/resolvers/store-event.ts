import type {
  QueryResolvers,
  StoreEventResolvers,
  StoreEventType,
} from '../__generated__/resolvers-types.js';
import { mayReadEvent } from '../domain/events.js';
import { DomainError } from '../errors.js';
import type { TimeRange } from '../../../lib/tams/index.js';
import { parseTimeRange, spanOf } from '../../../lib/tams/index.js';

/** Outbox event types and their `StoreEventType` values (the gateway's filter maps them back). */
const TYPES: Readonly<Record<string, StoreEventType>> = {
  'flows/created': 'FLOW_CREATED',
  'flows/updated': 'FLOW_UPDATED',
  'flows/deleted': 'FLOW_DELETED',
  'flows/segments_added': 'FLOW_SEGMENTS_ADDED',
  'flows/segments_deleted': 'FLOW_SEGMENTS_DELETED',
  'sources/created': 'SOURCE_CREATED',
  'sources/updated': 'SOURCE_UPDATED',
  'sources/deleted': 'SOURCE_DELETED',
  'store/delete_request_updated': 'DELETE_REQUEST_UPDATED',
  'store/webhook_delivery_failed': 'WEBHOOK_DELIVERY_FAILED',
};

function parsedRange(text: unknown): TimeRange | null {
  if (typeof text !== 'string') return null;
  const parsed = parseTimeRange(text);
  return parsed.ok ? parsed.value : null;
}

/**
 * `Query.storeEvent`: the outbox row at `position`, when it holds a store event this caller may see
 * (mayReadEvent: delete requests with `delete`, webhook failures with `admin`; null otherwise, as for
 * a position without an event, so the feed's contents are not told by the answer).
 */
export const storeEvent: NonNullable<QueryResolvers['storeEvent']> = async (_, { position }, ctx) => {
  if (!/^[1-9]\d{0,18}$/.test(position))
    throw new DomainError(
      'BAD_USER_INPUT',
      `position must be a positive decimal integer, got ${JSON.stringify(position)}`,
    );
  const at = BigInt(position);
  const [event] = await ctx.repository.executor.readOutbox(at - 1n, 1);
  return event &&
    event.position === at &&
    event.event_type in TYPES &&
    mayReadEvent(event.event_type, ctx.scopes)
    ? event
    : null;
};

export const StoreEvent: StoreEventResolvers = {
  position: (e) => e.position.toString(),
  type: (e) => TYPES[e.event_type]!,
  tamsType: (e) => e.event_type,
  timestamp: (e) => e.event_timestamp,
  flowId: (e) => e.flow_id,
  sourceId: (e) => e.source_id,
  flow: (e, _, ctx) => (e.flow_id ? ctx.loaders.flow.load(e.flow_id) : null),
  source: (e, _, ctx) => (e.source_id ? ctx.loaders.source.load(e.source_id) : null),
  segments: (e) => {
    const payload = e.payload as Record<string, unknown>;
    if (e.event_type === 'flows/segments_added') {
      const segments = Array.isArray(payload['segments'])
        ? (payload['segments'] as { timerange?: unknown }[])
        : [];
      const ranges = segments.map((s) => parsedRange(s.timerange)).filter((r) => r !== null);
      return { count: segments.length, timerange: spanOf(ranges) };
    }
    if (e.event_type === 'flows/segments_deleted') {
      const timerange = parsedRange(payload['timerange']);
      return timerange ? { count: null, timerange } : null;
    }
    return null;
  },
  deleteRequest: (e) => {
    if (e.event_type !== 'store/delete_request_updated') return null;
    const p = e.payload as Record<string, unknown>;
    return {
      id: String(p['request_id']),
      flowId: String(p['flow_id']),
      status: String(p['status']).toUpperCase() as 'CREATED' | 'STARTED' | 'DONE' | 'ERROR',
      deleteFlow: p['delete_flow'] === true,
      timerangeRemaining: parsedRange(p['timerange_remaining']),
    };
  },
  webhookFailure: (e) => {
    if (e.event_type !== 'store/webhook_delivery_failed') return null;
    const p = e.payload as Record<string, unknown>;
    return {
      webhookId: String(p['webhook_id']),
      failures: Number(p['failures']),
      error: String(p['error']),
      nextAttempt: new Date(String(p['next_attempt'])),
    };
  },
};
