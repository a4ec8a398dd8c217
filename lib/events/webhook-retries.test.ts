import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MediaHarness } from '../../subgraphs/media/test-support/media-harness.js';
import { openMediaHarness } from '../../subgraphs/media/test-support/media-harness.js';
import { createFlow } from '../../subgraphs/media/test-support/operations.js';
import { isNull, not } from '../executor/index.js';
import { recordingLog, register, settled, startDispatcher } from './test-support/dispatcher-harness.js';
import { eventually } from './test-support/eventually.js';
import { WebhookReceiver } from './test-support/webhook-receiver.js';
import type { WebhookDispatcher } from './webhook-dispatcher.js';

let h: MediaHarness;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  h = await openMediaHarness();
});
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
  // Each test starts with no registrations.
  await h.executor.delete('webhooks', not(isNull('id')));
  await h.executor.delete('webhook_deliveries', not(isNull('webhook_id')));
});
afterAll(async () => {
  await h?.close();
});

const flowIdOf = (body: { event: Record<string, unknown> }) => (body.event.flow as { id: string }).id;

/** Consecutive repeats collapsed: what a receiver that de-duplicates retries sees. */
const collapsed = (ids: readonly string[]) => ids.filter((id, i) => i === 0 || id !== ids[i - 1]);

function started(dispatcher: WebhookDispatcher): WebhookDispatcher {
  cleanup.push(() => dispatcher.stop());
  return dispatcher;
}

async function receiverOn(port = 0): Promise<WebhookReceiver> {
  const receiver = await WebhookReceiver.start(port);
  cleanup.push(() => receiver.close());
  return receiver;
}

describe('webhook retries', () => {
  it('delivers every event in order after the receiver was down, then failing, then too slow', async () => {
    const port = await WebhookReceiver.freePort();
    await register(h, {
      url: `http://127.0.0.1:${port}/hook/path?token=secret-token`,
      apiKeyName: 'Authorization',
      apiKeyValue: 'Bearer very-secret',
      events: ['flows/created'],
    });
    const log = recordingLog();
    started(startDispatcher(h, { log, timeoutMs: 100 }));
    const flows: string[] = [];
    for (let i = 0; i < 5; i++) flows.push(await createFlow(h));
    // Nothing listens yet: connections are refused and retried with backoff.
    await eventually(() => log.entries.length >= 3, 'three refused attempts');

    const receiver = await receiverOn(port);
    // Then three 500s, then two answers slower than the 100 ms timeout, then success.
    receiver.answer = (_, i) =>
      i < 3 ? { status: 500 } : i < 5 ? { status: 204, delayMs: 250 } : { status: 204 };
    for (let i = 0; i < 5; i++) flows.push(await createFlow(h));
    await settled(h);

    const received = receiver.requests.map((r) => flowIdOf(r.body));
    expect(collapsed(received)).toEqual(flows);
    // Only the event that kept failing was sent more than once: 5 failed attempts reached the receiver.
    expect(received).toHaveLength(flows.length + 5);
    expect(received.slice(0, 6)).toEqual(Array(6).fill(flows[0]));

    const warnings = log.entries.filter((e) => e.level === 'warn');
    expect(log.entries).toEqual(warnings);
    expect(warnings.map((w) => w.details.attempt)).toEqual(warnings.map((_, i) => i + 1));
    expect(new Set(warnings.map((w) => w.details.webhook))).toEqual(new Set([`http://127.0.0.1:${port}`]));
    const errors = warnings.map((w) => String(w.details.error));
    expect(errors[0]).toMatch(/ECONNREFUSED/);
    expect(errors).toContain('the receiver answered HTTP 500');
    expect(errors).toContain('no answer within 100 ms');
    const [state] = (await h.executor.select({ table: 'webhook_deliveries', limit: 1 })).rows;
    expect(state).toMatchObject({ failures: 0, next_attempt: null, last_success: expect.any(Date) as Date });
    // Never the path, the query (a token) or the key value, in logs or stored errors.
    for (const text of [JSON.stringify(log.entries), state!.last_error ?? ''])
      for (const secret of ['secret-token', 'very-secret', '/hook/path']) expect(text).not.toContain(secret);
  });

  it('does not let a receiver that never answers hold up another registration', async () => {
    const slow = await receiverOn();
    slow.answer = () => ({ status: 204, delayMs: 5000 });
    const healthy = await receiverOn();
    await register(h, { url: slow.url(), events: ['flows/created'] });
    await register(h, { url: healthy.url(), events: ['flows/created'] });
    started(startDispatcher(h, { timeoutMs: 400, log: recordingLog() }));
    const flows: string[] = [];
    for (let i = 0; i < 5; i++) flows.push(await createFlow(h));
    await healthy.waitFor(() => healthy.requests.length === 5, 'the healthy receiver to get all five');
    expect(healthy.bodies().map(flowIdOf)).toEqual(flows);
    // Meanwhile the slow one has not even finished its first attempt.
    expect(new Set(slow.bodies().map(flowIdOf))).toEqual(new Set([flows[0]]));
  });

  it('resumes after a restart from the saved positions: nothing lost, at most the in-flight event again', async () => {
    const receiver = await receiverOn();
    receiver.answer = () => ({ status: 204, delayMs: 15 });
    await register(h, { url: receiver.url(), events: ['flows/created'] });
    const flows: string[] = [];
    for (let i = 0; i < 20; i++) flows.push(await createFlow(h));
    const first = startDispatcher(h, { log: recordingLog() });
    await receiver.waitFor(() => receiver.requests.length >= 5, 'five deliveries');
    await first.stop();
    const atStop = receiver.requests.length;
    expect(atStop).toBeLessThan(20);
    for (let i = 0; i < 5; i++) flows.push(await createFlow(h));

    started(startDispatcher(h, { log: recordingLog() }));
    await settled(h);
    const received = receiver.requests.map((r) => flowIdOf(r.body));
    expect(collapsed(received)).toEqual(flows);
    expect(received.length).toBeLessThanOrEqual(flows.length + 1);
  });

  it('keeps counting attempts and backing off across a restart', async () => {
    const port = await WebhookReceiver.freePort();
    await register(h, { url: `http://127.0.0.1:${port}/down`, events: ['flows/created'] });
    await createFlow(h);
    const log = recordingLog();
    const first = startDispatcher(h, { log });
    await eventually(() => log.entries.length >= 2, 'two failed attempts');
    await first.stop();
    const before = log.entries.length;
    const [state] = (await h.executor.select({ table: 'webhook_deliveries', limit: 1 })).rows;
    expect(state!.failures).toBe(before);
    expect(state!.next_attempt).toBeInstanceOf(Date);

    started(startDispatcher(h, { log }));
    await eventually(() => log.entries.length > before, 'an attempt after the restart');
    expect(log.entries[before]!.details.attempt).toBe(before + 1);
  });
});
