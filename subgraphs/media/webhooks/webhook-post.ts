import type { WebhookRegistration } from './webhook-registration.js';

/** How one delivery attempt ended. `error` is safe to store and log: no URL, no header values. */
export type PostOutcome =
  | { readonly delivered: true }
  | { readonly delivered: false; readonly error: string; readonly stopped?: boolean };

export interface PostOptions {
  readonly timeoutMs: number;
  /** Aborted when the dispatcher stops: the attempt ends without counting as a failure. */
  readonly stop: AbortSignal;
  readonly fetch: typeof fetch;
}

/**
 * POSTs one JSON body to a registration's URL with its api key header. Only a 2xx answer delivers;
 * anything else, including a redirect (not followed, so a receiver cannot bounce deliveries elsewhere),
 * a timeout or a connection failure, is a failed attempt to retry.
 */
export async function postWebhook(
  registration: WebhookRegistration,
  body: string,
  options: PostOptions,
): Promise<PostOutcome> {
  let headers: Headers;
  try {
    headers = new Headers({ 'content-type': 'application/json' });
    if (registration.apiKey) headers.set(registration.apiKey.name, registration.apiKey.value);
  } catch {
    // The runtime's message quotes the value: say what is wrong without it.
    return {
      delivered: false,
      error:
        'api_key_name or api_key_value is not a valid HTTP header; register the webhook again with valid ones',
    };
  }
  const timeout = AbortSignal.timeout(options.timeoutMs);
  try {
    const response = await options.fetch(registration.url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.any([timeout, options.stop]),
    });
    // The answer's body is not needed; cancelling it frees the connection.
    await response.body?.cancel().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return { delivered: true };
    return { delivered: false, error: `the receiver answered HTTP ${response.status}` };
  } catch (error) {
    if (options.stop.aborted) return { delivered: false, error: 'the dispatcher stopped', stopped: true };
    if (timeout.aborted) return { delivered: false, error: `no answer within ${options.timeoutMs} ms` };
    return { delivered: false, error: `the request failed (${failureCode(error)})` };
  }
}

/**
 * A code for a failed request (ECONNREFUSED, UND_ERR_SOCKET, ...). Never the message: fetch's messages
 * may quote the URL, whose path or query can hold a token.
 */
function failureCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; name?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.name === 'string') return cause.name;
  return error instanceof Error ? error.name : 'unknown error';
}
