import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MediaHarness } from '../test-support/media-harness.js';
import { openMediaHarness } from '../test-support/media-harness.js';
import { createFlow } from '../test-support/operations.js';
import { eq, isNull, not } from '../../../lib/executor/index.js';
import { recordingLog, register, settled, startDispatcher } from './test-support/dispatcher-harness.js';
import { eventually } from '../../../lib/test-support/eventually.js';
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

function started(dispatcher: WebhookDispatcher): WebhookDispatcher {
  cleanup.push(() => dispatcher.stop());
  return dispatcher;
}

async function receiverOn(): Promise<WebhookReceiver> {
  const receiver = await WebhookReceiver.start();
  cleanup.push(() => receiver.close());
  return receiver;
}

/** Attempt numbers count the failures of one event: each warning's is 1 (a new event) or the last + 1. */
function attemptRuns(attempts: readonly number[]): number[] {
  const runs: number[] = [];
  for (const [i, attempt] of attempts.entries()) {
    if (attempt === 1) runs.push(1);
    else if (i > 0 && attempt === attempts[i - 1]! + 1) runs[runs.length - 1]!++;
    else throw new Error(`attempt ${attempt} after ${attempts[i - 1]}`);
  }
  return runs;
}

describe('webhook retries', () => {
  it('delivers every event in order after the receiver was down, then failing, then too slow', async () => {
    const receiver = await receiverOn();
    receiver.refuseConnections = true;
    await register(h, {
      url: receiver.url('/hook/path'),
      apiKeyName: 'Authorization',
      apiKeyValue: 'Bearer very-secret',
      events: ['flows/created'],
    });
    const log = recordingLog();
    started(startDispatcher(h, { log, timeoutMs: 300 }));
    const flows: string[] = [];
    for (let i = 0; i < 5; i++) flows.push(await createFlow(h));
    // Connections are reset: attempts fail and are retried with backoff.
    const connectionFailures = () =>
      log.entries.filter((e) => /^the request failed \(\w+\)$/.test(String(e.details.error))).length;
    await eventually(() => connectionFailures() >= 3, 'three failed connections');

    // Then three 500s, then two requests never answered (the attempts time out), then success.
    receiver.answer = (_, i) => (i < 3 ? { status: 500 } : i < 5 ? null : { status: 204 });
    receiver.refuseConnections = false;
    for (let i = 0; i < 5; i++) flows.push(await createFlow(h));
    await settled(h);

    // Every event once the repeats are dropped, in order; the first until it got its first answer.
    expect(receiver.events().map(flowIdOf)).toEqual(flows);
    const received = receiver.bodies().map(flowIdOf);
    expect(received.slice(0, 6)).toEqual(Array(6).fill(flows[0]));
    expect(received.length).toBeGreaterThanOrEqual(flows.length + 5);

    const warnings = log.entries.filter((e) => e.level === 'warn');
    expect(log.entries).toEqual(warnings);
    // The first event failed at least 3 + 3 + 2 times in a row; any later run is an attempt that timed
    // out on a busy machine.
    expect(attemptRuns(warnings.map((w) => Number(w.details.attempt)))[0]).toBeGreaterThanOrEqual(8);
    expect(new Set(warnings.map((w) => w.details.webhook))).toEqual(
      new Set([`http://127.0.0.1:${receiver.port}`]),
    );
    const errors = warnings.map((w) => String(w.details.error));
    expect(errors).toContain('the receiver answered HTTP 500');
    expect(errors).toContain('no answer within 300 ms');
    const [state] = (await h.executor.select({ table: 'webhook_deliveries', limit: 1 })).rows;
    expect(state).toMatchObject({ failures: 0, next_attempt: null, last_success: expect.any(Date) as Date });
    // Each failed attempt is a store event for admins' dashboards: one per warning, attempts counted.
    const failed = (
      await h.executor.select({
        table: 'event_outbox',
        where: eq('event_type', 'store/webhook_delivery_failed'),
        orderBy: [{ column: 'seq' }],
        limit: 1000,
      })
    ).rows.map((r) => r.payload as { webhook_id: string; failures: number; error: string });
    expect(failed.map((p) => p.failures)).toEqual(warnings.map((w) => Number(w.details.attempt)));
    expect(failed.map((p) => p.error)).toEqual(errors);
    // Never the path, the query (a token) or the key value, in logs, stored errors or events.
    for (const text of [JSON.stringify(log.entries), state!.last_error ?? '', JSON.stringify(failed)])
      for (const secret of ['secret-token', 'very-secret', '/hook/path']) expect(text).not.toContain(secret);
  });

  it('does not let a receiver that never answers hold up another registration', async () => {
    const slow = await receiverOn();
    slow.answer = () => null;
    const healthy = await receiverOn();
    await register(h, { url: slow.url(), events: ['flows/created'] });
    await register(h, { url: healthy.url(), events: ['flows/created'] });
    started(startDispatcher(h, { timeoutMs: 400, log: recordingLog() }));
    const flows: string[] = [];
    for (let i = 0; i < 5; i++) flows.push(await createFlow(h));
    await healthy.waitFor(() => healthy.events().length >= 5, 'the healthy receiver to get all five');
    expect(healthy.events().map(flowIdOf)).toEqual(flows);
    // Meanwhile the slow one has never got past its first event.
    expect(new Set(slow.bodies().map(flowIdOf))).toEqual(new Set([flows[0]]));
  });

  it('resumes after a restart from the saved positions: nothing lost, the in-flight event again', async () => {
    const receiver = await receiverOn();
    await register(h, { url: receiver.url(), events: ['flows/created'] });
    const flows: string[] = [];
    for (let i = 0; i < 20; i++) flows.push(await createFlow(h));
    // The fifth event is never answered: the dispatcher is stopped with it in flight.
    receiver.answer = (request) => (flowIdOf(request.body) === flows[4] ? null : { status: 204 });
    const first = startDispatcher(h, { log: recordingLog() });
    await receiver.waitFor(
      () => receiver.bodies().some((b) => flowIdOf(b) === flows[4]),
      'the fifth event in flight',
    );
    await first.stop();
    expect(receiver.events().map(flowIdOf)).toEqual(flows.slice(0, 5));

    receiver.answer = () => ({ status: 204 });
    for (let i = 0; i < 5; i++) flows.push(await createFlow(h));
    const sent: string[] = [];
    started(
      startDispatcher(h, {
        log: recordingLog(),
        fetch: (input, init) => {
          sent.push(flowIdOf(JSON.parse(init!.body as string) as { event: Record<string, unknown> }));
          return fetch(input, init);
        },
      }),
    );
    await settled(h);
    expect(receiver.events().map(flowIdOf)).toEqual(flows);
    // Resumed after the last saved position: the unanswered event first, nothing before it again.
    expect(sent[0]).toBe(flows[4]);
    expect(new Set(sent)).toEqual(new Set(flows.slice(4)));
  });

  it('keeps counting attempts and backing off across a restart', async () => {
    const down = await receiverOn();
    down.refuseConnections = true;
    await register(h, { url: down.url('/down'), events: ['flows/created'] });
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
