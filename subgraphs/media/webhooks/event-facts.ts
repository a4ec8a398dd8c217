import type { OutboxEvent } from '../../../lib/executor/index.js';
import { flowCollectedBy, inferSourceCollections } from '../domain/collections.js';
import type { MediaRepository } from '../domain/repository.js';
import { collectionReader } from '../domain/repository.js';
import type { WebhookRegistration } from './webhook-registration.js';

/** What the collection filters need to know about an event's flow and source. */
export interface EventFacts {
  /** The collections listing the event's flow (flow and segment events). */
  flowCollectedBy(event: OutboxEvent): readonly string[];
  /** The source collections collecting the event's source. */
  sourceCollectedBy(event: OutboxEvent): readonly string[];
}

const NONE: readonly string[] = [];

/** `collected_by` carried by a flows/created|updated or sources/created|updated payload. */
function collectedByInPayload(event: OutboxEvent, key: 'flow' | 'source'): readonly string[] | undefined {
  const entity = (event.payload as Record<string, unknown> | null)?.[key] as
    { collected_by?: unknown } | undefined;
  if (!entity) return undefined;
  return Array.isArray(entity.collected_by) ? (entity.collected_by as string[]) : NONE;
}

/**
 * Collection facts for a page of events, looked up in a few batched queries and only for the filters
 * the registration sets. A flows/created|updated or sources/created|updated event carries the entity's
 * `collected_by` as of the event, and that is used. Other events (segments, deletions) have no such
 * payload, so the current state is looked up: a deleted flow's former collections are no longer known
 * (its collection items go with it), so a registration filtering on `flow_collected_by_ids` or
 * `source_collected_by_ids` does not receive flows/deleted or sources/deleted.
 */
export async function loadEventFacts(
  repository: MediaRepository,
  registration: WebhookRegistration,
  events: readonly OutboxEvent[],
): Promise<EventFacts> {
  const reader = collectionReader(repository.executor);
  const flowIds = registration.flowCollectedByIds
    ? [
        ...new Set(
          events
            .filter((e) => e.flow_id !== null && collectedByInPayload(e, 'flow') === undefined)
            .map((e) => e.flow_id!),
        ),
      ]
    : [];
  const sourceIds = registration.sourceCollectedByIds
    ? [
        ...new Set(
          events
            .filter((e) => e.source_id !== null && collectedByInPayload(e, 'source') === undefined)
            .map((e) => e.source_id!),
        ),
      ]
    : [];
  const [flowGroups, inferred] = await Promise.all([
    flowIds.length ? flowCollectedBy(reader, flowIds) : [],
    sourceIds.length ? inferSourceCollections(reader, sourceIds) : [],
  ]);
  const byFlow = new Map(flowIds.map((id, i) => [id, flowGroups[i] ?? NONE]));
  const bySource = new Map(sourceIds.map((id, i) => [id, inferred[i]?.collectedBy ?? NONE]));
  return {
    flowCollectedBy: (event) =>
      collectedByInPayload(event, 'flow') ?? (event.flow_id ? byFlow.get(event.flow_id) : undefined) ?? NONE,
    sourceCollectedBy: (event) =>
      collectedByInPayload(event, 'source') ??
      (event.source_id ? bySource.get(event.source_id) : undefined) ??
      NONE,
  };
}
