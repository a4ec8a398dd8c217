import type { OutboxEvent } from '../../../lib/executor/index.js';
import type { MediaRepository } from '../domain/repository.js';
import { segmentsAddedPayload } from './segments-added-payload.js';
import type { WebhookRegistration } from './webhook-registration.js';

/** The body POSTed to a receiver (7.0 `webhooks:`): every event has this envelope. */
export interface WebhookEnvelope {
  readonly event_timestamp: string;
  readonly event_type: string;
  readonly event: Record<string, unknown>;
}

/**
 * The envelope of one event for one registration. The outbox payload is already the 7.0 `event` object
 * (subgraphs/media/domain/events.ts); only flows/segments_added differs per registration. The type is
 * the outbox's: `flows/segments_deleted` is sent as such although the 7.0 callback schema's constant
 * says `flows/segments_added` (a spec bug fixed in 8.x, DIGEST §12).
 */
export async function webhookEnvelope(
  repository: MediaRepository,
  registration: WebhookRegistration,
  event: OutboxEvent,
): Promise<WebhookEnvelope> {
  const payload = event.payload as Record<string, unknown>;
  return {
    event_timestamp: event.event_timestamp.toISOString(),
    event_type: event.event_type,
    event:
      event.event_type === 'flows/segments_added'
        ? await segmentsAddedPayload(repository, registration, payload)
        : payload,
  };
}
