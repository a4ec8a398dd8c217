import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MediaStore } from '../../subgraphs/media/index.js';
import type { MediaHarness } from '../../subgraphs/media/test-support/media-harness.js';
import { openMediaHarness } from '../../subgraphs/media/test-support/media-harness.js';
import { createFlow } from '../../subgraphs/media/test-support/operations.js';
import type { Executor } from '../executor/index.js';
import { eq, PostgresExecutor } from '../executor/index.js';
import { FAST, recordingLog, register, settled } from './test-support/dispatcher-harness.js';
import { WebhookReceiver } from './test-support/webhook-receiver.js';
import type { WebhookDispatcher, WebhookDispatcherOptions } from './webhook-dispatcher.js';
import { createWebhookDispatcher, WEBHOOK_CONSUMER } from './webhook-dispatcher.js';

/**
 * One dispatcher per deployment: two media processes on one PostgreSQL database, each with its own
 * connection pool and dispatcher, must not both deliver.
 */

let h: MediaHarness;
let secondExecutor: Executor;
let secondStore: MediaStore;
let receiver: WebhookReceiver;
const running: WebhookDispatcher[] = [];

beforeAll(async () => {
  h = await openMediaHarness({ backend: 'postgres' });
  secondExecutor = await PostgresExecutor.open({ url: h.databaseUrl!, poolSize: 4 });
  secondStore = { ...h.subgraph.store, executor: secondExecutor };
  receiver = await WebhookReceiver.start();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.stop()));
});
afterAll(async () => {
  await receiver?.close();
  await secondExecutor?.close();
  await h?.close();
});

/** A dispatcher counting the POSTs it makes itself. */
function dispatcherOn(store: MediaStore, owner: string, options: WebhookDispatcherOptions = {}) {
  const counter = { posts: 0 };
  const dispatcher = createWebhookDispatcher(store, {
    ...FAST,
    leaseMs: 900,
    owner,
    log: recordingLog(),
    fetch: (input, init) => {
      counter.posts++;
      return fetch(input, init);
    },
    ...options,
  });
  dispatcher.start();
  running.push(dispatcher);
  return { dispatcher, counter };
}

const leaseRow = async () =>
  (await h.executor.lookup('outbox_cursors', 'consumer', [WEBHOOK_CONSUMER]))[0] ?? null;

const flowIds = () => receiver.bodies().map((b) => (b.event.flow as { id: string }).id);

describe('the dispatcher lease [postgres]', () => {
  it('lets only one of two dispatchers deliver, and the other take over when it stops', async () => {
    await register(h, { url: receiver.url('/both'), events: ['flows/created'] });
    const a = dispatcherOn(h.subgraph.store, 'process-a');
    const b = dispatcherOn(secondStore, 'process-b');
    const flows: string[] = [];
    for (let i = 0; i < 15; i++) flows.push(await createFlow(h));
    await settled(h);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(flowIds()).toEqual(flows);
    expect([a.counter.posts, b.counter.posts].sort((x, y) => x - y)).toEqual([0, 15]);

    // The holder stops and gives the lease up; the other one takes over.
    const [holder, other] = a.counter.posts ? [a, b] : [b, a];
    expect((await leaseRow())!.owner).toBe(holder === a ? 'process-a' : 'process-b');
    await holder.dispatcher.stop();
    for (let i = 0; i < 5; i++) flows.push(await createFlow(h));
    await settled(h);
    expect(flowIds()).toEqual(flows);
    expect(other.counter.posts).toBe(5);
    expect((await leaseRow())!.owner).toBe(other === a ? 'process-a' : 'process-b');
  });

  it('stops delivering while another process holds the lease, and resumes once it lapses', async () => {
    await register(h, { url: receiver.url('/both'), events: [] });
    const start = receiver.requests.length;
    await register(h, { url: receiver.url('/lapse'), events: ['flows/created'] });
    const a = dispatcherOn(h.subgraph.store, 'process-a');
    await createFlow(h);
    await settled(h);
    expect(a.counter.posts).toBeGreaterThan(0);
    const posted = a.counter.posts;

    // Another process takes the lease (as if this one had been paused past its expiry).
    await h.executor.update('outbox_cursors', eq('consumer', WEBHOOK_CONSUMER), {
      owner: 'process-z',
      lease_expires: new Date(Date.now() + 60_000),
    });
    // Past a renewal (every third of the 900 ms lease), the dispatcher knows it lost the lease.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const waiting = await createFlow(h);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(a.counter.posts).toBe(posted);

    await h.executor.update('outbox_cursors', eq('consumer', WEBHOOK_CONSUMER), {
      lease_expires: new Date(Date.now() - 1),
    });
    await settled(h);
    expect(a.counter.posts).toBe(posted + 1);
    expect(flowIds().slice(start).at(-1)).toBe(waiting);
    expect((await leaseRow())!.owner).toBe('process-a');
  });
});
