import type { OutboxEvent } from '../../../lib/executor/index.js';
import type { EventFacts } from './event-facts.js';
import type { WebhookRegistration } from './webhook-registration.js';

const isSourceEvent = (type: string) => type.startsWith('sources/');

const anyIn = (ids: readonly string[], wanted: ReadonlySet<string>) => ids.some((id) => wanted.has(id));

/**
 * Whether a registration receives an event (7.0, ADR0026 "Event filter guidelines"): its type is one of
 * the registration's `events`, and every filter that is set passes. Flow and segment events are checked
 * against the flow id, the flow's collected_by, its source id and that source's collected_by; source
 * events against the source id and its collected_by, and the two flow filters do not apply to them.
 *
 * The filters are ANDed, as the ADR's rules say. Its use-case list has a case (a collection's id in both
 * `flow_ids` and `flow_collected_by_ids`, to get the collection and its members) that would need them
 * ORed; we follow the normative rule (DIGEST §9, "Ambiguity"). A filter set to an empty list matches
 * nothing: "limit to the flows in the given list" of no flows.
 */
export function matchesRegistration(
  registration: WebhookRegistration,
  event: OutboxEvent,
  facts: EventFacts,
): boolean {
  if (!registration.events.has(event.event_type)) return false;
  if (!isSourceEvent(event.event_type)) {
    if (registration.flowIds && !(event.flow_id !== null && registration.flowIds.has(event.flow_id)))
      return false;
    if (
      registration.flowCollectedByIds &&
      !anyIn(facts.flowCollectedBy(event), registration.flowCollectedByIds)
    )
      return false;
  }
  if (registration.sourceIds && !(event.source_id !== null && registration.sourceIds.has(event.source_id)))
    return false;
  if (
    registration.sourceCollectedByIds &&
    !anyIn(facts.sourceCollectedBy(event), registration.sourceCollectedByIds)
  )
    return false;
  return true;
}
