import type { InsertRow, Transaction } from '../../../lib/executor/index.js';
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
 * Writes TAMS events to the outbox inside the mutation's transaction, so an event exists exactly when
 * its change was committed. The payload is the 7.0 `event` object.
 */
export async function emit(
  tx: Transaction,
  now: Date,
  type: TamsEventType,
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
