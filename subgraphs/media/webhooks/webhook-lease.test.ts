import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MediaRepository } from '../index.js';
import type { MediaHarness } from '../test-support/media-harness.js';
import { openMediaHarness } from '../test-support/media-harness.js';
import { createFlow } from '../test-support/operations.js';
import type { Executor } from '../../../lib/executor/index.js';
import { eq, PostgresExecutor } from '../../../lib/executor/index.js';
import { eventually } from '../../../lib/test-support/eventually.js';
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
let secondStore: MediaRepository;
let receiver: WebhookReceiver;
const running: WebhookDispatcher[] = [];

beforeAll(async () => {
  h = await openMediaHarness({ backend: 'postgres' });
  secondExecutor = await PostgresExecutor.open({ url: h.databaseUrl!, poolSize: 4 });
  secondStore = { ...h.subgraph.repository, executor: secondExecutor };
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
function dispatcherOn(repository: MediaRepository, owner: string, options: WebhookDispatcherOptions = {}) {
  const counter = { posts: 0 };
  const dispatcher = createWebhookDispatcher(repository, {
    ...FAST,
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

/**
 * The executor, numbering the transactions begun on it. A dispatcher with nothing to deliver begins one
 * only to take or renew its lease, so a transaction begun after some moment and finished shows that the
 * dispatcher has since checked the lease: a test waits for that, not for a while.
 */
function watchTransactions(executor: Executor) {
  let begun = 0;
  const finished: number[] = [];
  const watched = new Proxy(executor, {
    get(target, property) {
      if (property === 'transaction')
        return async (fn: Parameters<Executor['transaction']>[0]) => {
          const n = ++begun;
          try {
            return await target.transaction(fn);
          } finally {
            finished.push(n);
          }
        };
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    executor: watched,
    /** The number of the last transaction begun so far. */
    mark: () => begun,
    /** Resolves once a transaction begun after `mark` has finished. */
    finishedAfter: (mark: number, what: string) => eventually(() => finished.some((n) => n > mark), what),
  };
}

const leaseRow = async () =>
  (await h.executor.lookup('outbox_cursors', 'consumer', [WEBHOOK_CONSUMER]))[0] ?? null;

const flowIds = () => receiver.events().map((b) => (b.event.flow as { id: string }).id);

describe('the dispatcher lease [postgres]', () => {
  it('lets only one of two dispatchers deliver, and the other take over when it stops', async () => {
    await register(h, { url: receiver.url('/both'), events: ['flows/created'] });
    // A lease far longer than the test: it cannot lapse and pass to the other while the holder lives.
    const a = dispatcherOn(h.subgraph.repository, 'process-a', { leaseMs: 60_000 });
    const b = dispatcherOn(secondStore, 'process-b', { leaseMs: 60_000 });
    const flows: string[] = [];
    for (let i = 0; i < 15; i++) flows.push(await createFlow(h));
    await settled(h);
    expect(flowIds()).toEqual(flows);
    // One of them made every POST (at least once each), the other none.
    const [idle, busy] = [a.counter.posts, b.counter.posts].sort((x, y) => x - y);
    expect(idle).toBe(0);
    expect(busy).toBeGreaterThanOrEqual(15);

    // The holder stops and gives the lease up; the other one takes over.
    const [holder, other] = a.counter.posts ? [a, b] : [b, a];
    expect((await leaseRow())!.owner).toBe(holder === a ? 'process-a' : 'process-b');
    await holder.dispatcher.stop();
    for (let i = 0; i < 5; i++) flows.push(await createFlow(h));
    await settled(h);
    expect(flowIds()).toEqual(flows);
    expect(other.counter.posts).toBeGreaterThanOrEqual(5);
    expect((await leaseRow())!.owner).toBe(other === a ? 'process-a' : 'process-b');
  });

  it('stops delivering while another process holds the lease, and resumes once it lapses', async () => {
    await register(h, { url: receiver.url('/both'), events: [] });
    await register(h, { url: receiver.url('/lapse'), events: ['flows/created'] });
    const watch = watchTransactions(h.executor);
    // Renewed every 300 ms, so that it notices the takeover below soon.
    const a = dispatcherOn({ ...h.subgraph.repository, executor: watch.executor }, 'process-a', {
      leaseMs: 900,
    });
    await createFlow(h);
    await settled(h);
    expect(a.counter.posts).toBeGreaterThan(0);
    const posted = a.counter.posts;

    // Another process takes the lease (as if this one had been paused past its expiry).
    await h.executor.update('outbox_cursors', eq('consumer', WEBHOOK_CONSUMER), {
      owner: 'process-z',
      lease_expires: new Date(Date.now() + 60_000),
    });
    await watch.finishedAfter(watch.mark(), 'a lease renewal after the takeover');
    const waiting = await createFlow(h);
    await watch.finishedAfter(watch.mark(), 'a lease attempt after the event was written');
    expect(a.counter.posts).toBe(posted);

    await h.executor.update('outbox_cursors', eq('consumer', WEBHOOK_CONSUMER), {
      lease_expires: new Date(Date.now() - 1),
    });
    await settled(h);
    expect(a.counter.posts).toBeGreaterThanOrEqual(posted + 1);
    expect(flowIds().at(-1)).toBe(waiting);
    expect((await leaseRow())!.owner).toBe('process-a');
  });
});
