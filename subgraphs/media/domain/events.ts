import type { InsertRow, Row, Transaction } from '../../../lib/executor/index.js';
import { formatTimeRange } from '../../../lib/tams/index.js';
import { flowCollectedBy, inferSourceCollections } from './collections.js';
import { collectionReader } from './repository.js';
import { flowJson, sourceJson } from './event-payload-json.js';

/** The eight TAMS 7.0 event types. */
export type TamsEventType =
  | 'flows/created'
  | 'flows/updated'
  | 'flows/deleted'
  | 'flows/segments_added'
  | 'flows/segments_deleted'
  | 'sources/created'
  | 'sources/updated'
  | 'sources/deleted';

export const EVENT_TYPES: readonly TamsEventType[] = [
  'flows/created',
  'flows/updated',
  'flows/deleted',
  'flows/segments_added',
  'flows/segments_deleted',
  'sources/created',
  'sources/updated',
  'sources/deleted',
];

/**
 * The store's own events, beside the TAMS ones in the outbox for `Subscription.storeEvents`: never
 * delivered to webhooks (registrations name TAMS types only), and readable only with more than `read`.
 */
export type StoreOnlyEventType = 'store/delete_request_updated' | 'store/webhook_delivery_failed';

/**
 * The scope a caller needs to see an event of each type in the event feed, beyond the `read` that
 * subscribing took: delete requests are read with `delete` (as `Query.flowDeleteRequest`), webhook
 * deliveries with `admin` (they name receivers).
 */
export const EVENT_SCOPE: Readonly<Record<TamsEventType | StoreOnlyEventType, 'read' | 'delete' | 'admin'>> =
  {
    'flows/created': 'read',
    'flows/updated': 'read',
    'flows/deleted': 'read',
    'flows/segments_added': 'read',
    'flows/segments_deleted': 'read',
    'sources/created': 'read',
    'sources/updated': 'read',
    'sources/deleted': 'read',
    'store/delete_request_updated': 'delete',
    'store/webhook_delivery_failed': 'admin',
  };

/** Whether a caller with `scopes` may see events of `type` (admin sees every one). */
export function mayReadEvent(type: string, scopes: ReadonlySet<string>): boolean {
  const needed = (EVENT_SCOPE as Record<string, string | undefined>)[type];
  return needed !== undefined && (scopes.has(needed) || scopes.has('admin'));
}

/**
 * Writes an event to the outbox inside the mutation's transaction, so an event exists exactly when its
 * change was committed. The payload of a TAMS type is the 7.0 `event` object.
 */
export async function emit(
  tx: Transaction,
  now: Date,
  type: TamsEventType | StoreOnlyEventType,
  keys: { flowId?: string; sourceId?: string },
  payload: Record<string, unknown>,
): Promise<void> {
  const row: InsertRow<'event_outbox'> = {
    event_type: type,
    event_timestamp: now,
    flow_id: keys.flowId ?? null,
    source_id: keys.sourceId ?? null,
    payload,
  };
  await tx.insert('event_outbox', [row]);
}

/** A delete request's progress: created, each batch, done or failed (`Subscription.storeEvents`). */
export async function emitDeleteRequest(tx: Transaction, now: Date, request: Row<'flow_delete_requests'>) {
  await emit(
    tx,
    now,
    'store/delete_request_updated',
    { flowId: request.flow_id },
    {
      request_id: request.id,
      flow_id: request.flow_id,
      status: request.status,
      delete_flow: request.delete_flow,
      timerange_remaining:
        request.timerange_remaining === null ? null : formatTimeRange(request.timerange_remaining),
    },
  );
}

/** `{flow}` payload of flows/created and flows/updated: the flow as committed in this transaction. */
export async function emitFlow(
  tx: Transaction,
  now: Date,
  type: 'flows/created' | 'flows/updated',
  flowId: string,
) {
  const reader = collectionReader(tx);
  const [[flow], [items], [collectedBy]] = await Promise.all([
    reader.flows([flowId]),
    reader.itemsOfCollections([flowId]),
    flowCollectedBy(reader, [flowId]),
  ]);
  if (!flow) return;
  await emit(
    tx,
    now,
    type,
    { flowId, sourceId: flow.source_id },
    { flow: flowJson(flow, items!, collectedBy!) },
  );
}

/** `{source}` payload of sources/created and sources/updated. */
export async function emitSource(
  tx: Transaction,
  now: Date,
  type: 'sources/created' | 'sources/updated',
  sourceId: string,
) {
  const [[source], [inferred]] = await Promise.all([
    tx.lookup('sources', 'id', [sourceId]),
    inferSourceCollections(collectionReader(tx), [sourceId]),
  ]);
  if (!source) return;
  await emit(
    tx,
    now,
    type,
    { sourceId },
    { source: sourceJson(source, inferred!.sourceCollection, inferred!.collectedBy) },
  );
}
