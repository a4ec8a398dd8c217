import { refusedWebhookTarget } from '../webhooks/webhook-targets.js';
import { createHash, randomUUID } from 'node:crypto';
import type { Row } from '../../../lib/executor/index.js';
import { eq } from '../../../lib/executor/index.js';
import type { WebhookInput, WebhookRegistrationStatus } from '../__generated__/resolvers-types.js';
import { DomainError } from '../errors.js';
import { EVENT_TYPES } from './events.js';
import type { MediaRepository } from './repository.js';
import { write } from './repository.js';
import { checkId, checkText } from './validation.js';

/** An HTTP field name (RFC 9110 §5.6.2 token). */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A field value: visible characters, spaces and tabs inside, none at the ends (RFC 9110 §5.5). */
const HEADER_VALUE = /^(?:[\x21-\x7e\x80-\xff](?:[\t\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?)$/;
/** Headers a delivery sets itself or that frame the request: an api key may not replace them. */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
]);

/**
 * Webhook registrations (7.0 §9). A registration has no id in 7.0: url + api_key_name + api_key_value
 * identify it, so posting the same triple again updates it and posting it with no events removes it.
 * The api key value is stored for delivery and never returned.
 */

const MAX_URL_LENGTH = 2048;

/** The identity of a registration, hashed so the secret is not part of an index key. */
export function webhookIdentity(url: string, keyName: string | null, keyValue: string | null): string {
  return createHash('sha256')
    .update(JSON.stringify([url, keyName, keyValue]))
    .digest('hex');
}

function ids(values: readonly string[] | null | undefined, field: string): string[] | null {
  return values == null ? null : values.map((v, i) => checkId(v, `${field}[${i}]`));
}

export async function registerWebhook(
  repository: MediaRepository,
  input: WebhookInput,
  principal: string | null,
): Promise<{ status: WebhookRegistrationStatus; webhook: Row<'webhooks'> | null }> {
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    throw new DomainError(
      'BAD_REQUEST',
      `url: ${JSON.stringify(input.url.slice(0, 80))} is not an absolute URL`,
    );
  }
  if (input.url.length > MAX_URL_LENGTH)
    throw new DomainError('BAD_REQUEST', `url: at most ${MAX_URL_LENGTH} characters`);
  const refused = refusedWebhookTarget(url, { allowPrivate: repository.allowPrivateWebhookTargets });
  if (refused) throw new DomainError('BAD_REQUEST', `url: ${refused}`);
  const unknown = input.events.filter((e) => !(EVENT_TYPES as readonly string[]).includes(e));
  if (unknown.length)
    throw new DomainError(
      'UNSUPPORTED_WEBHOOK',
      `events: ${unknown.join(', ')} ${unknown.length > 1 ? 'are' : 'is'} not a TAMS 7.0 event type (${EVENT_TYPES.join(', ')})`,
    );
  const keyName = checkText(input.apiKeyName, 'apiKeyName', 256);
  const keyValue = checkText(input.apiKeyValue, 'apiKeyValue', 4096);
  if ((keyName === null) !== (keyValue === null))
    throw new DomainError('BAD_REQUEST', 'apiKeyName and apiKeyValue go together: give both or neither');
  // Checked here, not at delivery: a header that cannot be sent would fail every attempt, for ever.
  if (keyName !== null && (!HEADER_NAME.test(keyName) || RESERVED_HEADERS.has(keyName.toLowerCase())))
    throw new DomainError(
      'BAD_REQUEST',
      `apiKeyName: ${JSON.stringify(keyName.slice(0, 60))} is not a header name the store can send ` +
        "(letters, digits and !#$%&'*+-.^_`|~, and not one of the headers the store sets itself)",
    );
  if (keyValue !== null && !HEADER_VALUE.test(keyValue))
    throw new DomainError(
      'BAD_REQUEST',
      'apiKeyValue: a header value has no control characters and no leading or trailing space',
    );
  const identity = webhookIdentity(input.url, keyName, keyValue);
  const now = repository.now();
  const fields = {
    url: input.url,
    api_key_name: keyName,
    api_key_value: keyValue,
    events: [...new Set(input.events)],
    flow_ids: ids(input.flowIds, 'flowIds'),
    source_ids: ids(input.sourceIds, 'sourceIds'),
    flow_collected_by_ids: ids(input.flowCollectedByIds, 'flowCollectedByIds'),
    source_collected_by_ids: ids(input.sourceCollectedByIds, 'sourceCollectedByIds'),
    accept_get_urls: input.acceptGetUrls?.map((l, i) => checkText(l, `acceptGetUrls[${i}]`, 1024)) ?? null,
    accept_storage_ids: ids(input.acceptStorageIds, 'acceptStorageIds'),
    presigned: input.presigned ?? null,
    verbose_storage: input.verboseStorage ?? null,
    updated: now,
  };
  return write(repository, async (tx) => {
    const [existing] = await tx.lookup('webhooks', 'identity', [identity]);
    if (input.events.length === 0) {
      if (existing) {
        await tx.delete('webhooks', eq('id', existing.id));
        await tx.delete('webhook_deliveries', eq('webhook_id', existing.id));
      }
      return { status: 'REMOVED', webhook: null };
    }
    if (existing) {
      // The delivery position stays: an update changes what is sent from now on, it does not replay.
      await tx.update('webhooks', eq('id', existing.id), fields);
      return { status: 'UPDATED', webhook: { ...existing, ...fields } };
    }
    const row: Row<'webhooks'> = { id: randomUUID(), identity, owner: principal, created: now, ...fields };
    await tx.insert('webhooks', [row]);
    // A new registration gets the events from now on, not the outbox's history.
    await tx.insert('webhook_deliveries', [
      { webhook_id: row.id, last_position: await tx.outboxHead(), updated: now },
    ]);
    return { status: 'CREATED', webhook: row };
  });
}
