import type { WebhookEnvelope } from '../webhook-envelope.js';

/**
 * What identifies an event to a receiver. The 7.0 envelope carries no event id: an event is its type, its
 * `event_timestamp` and its payload. `get_urls` are left out: controlled URLs are presigned at each
 * delivery attempt, so a redelivered flows/segments_added carries fresh signatures.
 */
export function eventIdentity(envelope: WebhookEnvelope): string {
  const payload = JSON.stringify(envelope.event, (key, value: unknown) =>
    key === 'get_urls' ? undefined : value,
  );
  return `${envelope.event_type} ${envelope.event_timestamp} ${payload}`;
}

/**
 * One registration's deliveries as a receiver that de-duplicates by event sees them: the first copy of
 * each event, in arrival order. Delivery is at-least-once: an event is sent again when its receipt was
 * not confirmed (a timeout, an error answer, a stop or a lost lease before the progress was saved). An
 * abandoned attempt cannot be recalled, so a slow receiver may still take it after the retry succeeded
 * and even after later events: copies can arrive anywhere after the first. The first copies are in
 * order, because the next event is only sent once the receiver has answered one copy of this one; a gap
 * or a first copy out of order is left in the list, where the caller's comparison catches it.
 */
export function distinctEvents<T>(received: readonly T[], envelopeOf: (item: T) => WebhookEnvelope): T[] {
  const seen = new Set<string>();
  return received.filter((item) => {
    const identity = eventIdentity(envelopeOf(item));
    if (seen.has(identity)) return false;
    seen.add(identity);
    return true;
  });
}
