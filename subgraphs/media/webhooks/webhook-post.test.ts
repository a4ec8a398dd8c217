import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookReceiver } from './test-support/webhook-receiver.js';
import { postWebhook } from './webhook-post.js';
import type { WebhookRegistration } from './webhook-registration.js';
import { registrationOf } from './webhook-registration.js';

let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await WebhookReceiver.start();
});
afterAll(async () => {
  await receiver?.close();
});

function registration(url: string, apiKey: [string, string] | null = null): WebhookRegistration {
  return registrationOf({
    id: '00000000-0000-4000-8000-000000000000',
    identity: 'x',
    url,
    api_key_name: apiKey?.[0] ?? null,
    api_key_value: apiKey?.[1] ?? null,
    events: ['flows/created'],
    flow_ids: null,
    source_ids: null,
    flow_collected_by_ids: null,
    source_collected_by_ids: null,
    accept_get_urls: null,
    accept_storage_ids: null,
    presigned: null,
    verbose_storage: null,
    owner: null,
    created: new Date(),
    updated: new Date(),
  });
}

const body = JSON.stringify({
  event_timestamp: '2026-01-01T00:00:00.000Z',
  event_type: 'flows/deleted',
  event: {},
});
// A guard only: these attempts are answered at once, and a stalled test process must not turn one into
// a timeout.
const options = () => ({ timeoutMs: 60_000, stop: new AbortController().signal, fetch });

describe('one webhook POST', () => {
  it('counts any 2xx as delivered, anything else (a redirect too, not followed) as a failure', async () => {
    for (const status of [200, 201, 202, 204]) {
      receiver.answer = () => ({ status });
      expect(await postWebhook(registration(receiver.url()), body, options())).toEqual({ delivered: true });
    }
    for (const status of [301, 302, 400, 404, 410, 500, 503]) {
      receiver.answer = () => ({ status });
      expect(await postWebhook(registration(receiver.url()), body, options())).toEqual({
        delivered: false,
        error: `the receiver answered HTTP ${status}`,
      });
    }
    expect(receiver.requests.every((r) => r.headers['content-type'] === 'application/json')).toBe(true);
  });

  it('reports a header it cannot send without quoting the key', async () => {
    const outcome = await postWebhook(
      registration(receiver.url(), ['X-Key', 'line\nbreak-secret']),
      body,
      options(),
    );
    expect(outcome.delivered).toBe(false);
    expect(JSON.stringify(outcome)).not.toContain('secret');
    expect(JSON.stringify(outcome)).toMatch(/not a valid HTTP header/);
  });

  it('reports a refused connection by its code, without the URL', async () => {
    // Port 2 on loopback: below the ephemeral range, so no listener on port 0 ever gets it, and not one
    // of the ports fetch refuses to use (1 is).
    const outcome = await postWebhook(registration('http://127.0.0.1:2/p?token=secret'), body, options());
    expect(outcome).toEqual({ delivered: false, error: 'the request failed (ECONNREFUSED)' });
  });

  it('ends an attempt that no answer will come to as a timeout', async () => {
    receiver.answer = () => null;
    const outcome = await postWebhook(registration(receiver.url()), body, { ...options(), timeoutMs: 100 });
    expect(outcome).toEqual({ delivered: false, error: 'no answer within 100 ms' });
  });

  it('ends an attempt aborted by stopping as stopped, not as a receiver failure', async () => {
    const stop = new AbortController();
    // The receiver never answers; the dispatcher stops once the request has arrived.
    receiver.answer = () => {
      stop.abort();
      return null;
    };
    const attempt = postWebhook(registration(receiver.url()), body, { ...options(), stop: stop.signal });
    expect(await attempt).toEqual({ delivered: false, error: 'the dispatcher stopped', stopped: true });
  });

  it('logs the origin of a target only', () => {
    expect(registration('https://user:pw@hooks.example:8443/p/a/t/h?token=abc').origin).toBe(
      'https://hooks.example:8443',
    );
    expect(registration('not a url').origin).toBe('(invalid url)');
  });
});
