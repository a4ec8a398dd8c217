import type { FeedEvent } from '../../lib/events/event-feed.js';
import { mayReadEvent } from '../../subgraphs/media/domain/events.js';
import type { Caller } from '../auth/caller.js';

/** `StoreEventType` values of the schema and the outbox event types they stand for. */
export const STORE_EVENT_TYPES: Readonly<Record<string, string>> = {
  FLOW_CREATED: 'flows/created',
  FLOW_UPDATED: 'flows/updated',
  FLOW_DELETED: 'flows/deleted',
  FLOW_SEGMENTS_ADDED: 'flows/segments_added',
  FLOW_SEGMENTS_DELETED: 'flows/segments_deleted',
  SOURCE_CREATED: 'sources/created',
  SOURCE_UPDATED: 'sources/updated',
  SOURCE_DELETED: 'sources/deleted',
  DELETE_REQUEST_UPDATED: 'store/delete_request_updated',
  WEBHOOK_DELIVERY_FAILED: 'store/webhook_delivery_failed',
};

const KNOWN = new Set(Object.values(STORE_EVENT_TYPES));

interface Filter {
  readonly flowIds?: readonly string[] | null;
  readonly sourceIds?: readonly string[] | null;
  readonly types?: readonly string[] | null;
}

/** Compiled once per subscription: the filter argument as sets. */
const compiled = new WeakMap<object, (event: FeedEvent) => boolean>();

function compile(filter: Filter | null | undefined): (event: FeedEvent) => boolean {
  const flows = filter?.flowIds ? new Set(filter.flowIds) : null;
  const sources = filter?.sourceIds ? new Set(filter.sourceIds) : null;
  const types = filter?.types ? new Set(filter.types.map((t) => STORE_EVENT_TYPES[t])) : null;
  return (event) => {
    if (!KNOWN.has(event.type)) return false;
    if (types && !types.has(event.type)) return false;
    // Flows and sources together name what to watch: an event of any of them passes.
    if (!flows && !sources) return true;
    return (
      (flows !== null && event.flowId !== null && flows.has(event.flowId)) ||
      (sources !== null && event.sourceId !== null && sources.has(event.sourceId))
    );
  };
}

/**
 * Whether `storeEvents(filter)` delivers `event`: one of the types it names (all when none), of one of
 * the flows or sources it names (all when neither is given), and one the caller may see: `read`, which
 * subscribing took, for the TAMS types; `delete` for delete requests, `admin` for webhook failures.
 */
export function storeEventConcerns(
  event: FeedEvent,
  args: Readonly<Record<string, unknown>>,
  caller: Caller,
): boolean {
  if (!mayReadEvent(event.type, caller.scopes)) return false;
  let matches = compiled.get(args);
  if (!matches) {
    matches = compile(args['filter'] as Filter | null | undefined);
    compiled.set(args, matches);
  }
  return matches(event);
}
