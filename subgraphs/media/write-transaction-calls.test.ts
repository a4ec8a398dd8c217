import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CacheStore } from '../../lib/cache/index.js';
import { CoherentCache, MemoryStore } from '../../lib/cache/index.js';
import type { Executor } from '../../lib/executor/index.js';
import type { MediaHarness } from './test-support/media-harness.js';
import { openMediaHarness } from './test-support/media-harness.js';
import { ADD_SEGMENTS, allocate, PUT_FLOW, videoFlow } from './test-support/operations.js';

/**
 * A write transaction waits on its own statements only. Anything else awaited between BEGIN and COMMIT
 * (a read on the executor, which takes a second pool connection; a cache command, a Redis round trip)
 * keeps the transaction open, its row locks held and its connection out of the pool, for as long as
 * that takes: on a loaded machine a write that held a lock on its flow for tens of milliseconds would
 * serialise every write to the flow behind it, and a read waiting for a connection of a pool that the
 * open transactions have exhausted would wait for ever. Issue 12 suspected exactly that when writes
 * through two gateways slowed tenfold (it was the machine: docs/performance.md, subscription
 * fan-out); this holds every write path of the media domain to it, causally: calls made from inside
 * a transaction's callback, while it is open, are recorded.
 */
describe.each(['sqlite', 'postgres'] as const)('write transactions on %s', (backend) => {
  /** Set, in the async context of a transaction's callback, while that transaction is open. */
  const inTransaction = new AsyncLocalStorage<{ open: boolean }>();
  const calls: string[] = [];
  let transactions = 0;
  const record = (what: string) => {
    if (inTransaction.getStore()?.open) calls.push(what);
  };

  /** Any executor call from inside a transaction is recorded; the transaction marks its callback. */
  const watchExecutor = (executor: Executor): Executor =>
    new Proxy(executor, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        if (property === 'transaction')
          return (fn: (tx: unknown) => Promise<unknown>) => {
            record('executor.transaction');
            transactions++;
            return target.transaction((tx) => {
              const state = { open: true };
              return inTransaction.run(state, () => fn(tx)).finally(() => (state.open = false));
            });
          };
        return (...args: unknown[]) => {
          record(`executor.${String(property)}`);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  const watchStore = (store: CacheStore): CacheStore =>
    new Proxy(store, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          record(`cache.${String(property)}`);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });

  let h: MediaHarness;
  let cache: CoherentCache;
  let watched: Executor;
  beforeAll(async () => {
    cache = new CoherentCache(watchStore(new MemoryStore()));
    await cache.whenEnabled();
    h = await openMediaHarness({
      backend,
      cache,
      wrapExecutor: (executor) => (watched = watchExecutor(executor)),
    });
  });
  afterAll(async () => {
    await h.close();
    await cache.close();
  });

  it('records a read on the executor or a cache command made while a transaction is open (the control)', async () => {
    await watched.transaction(async (tx) => {
      await tx.lookup('flows', 'id', [randomUUID()]);
      await watched.lookup('flows', 'id', [randomUUID()]);
      await cache.invalidate(['flow:control']);
    });
    expect(calls.splice(0)).toEqual(['executor.lookup', expect.stringMatching(/^cache\./)]);
  });

  it('makes no call but its own statements from inside any write of the media domain', async () => {
    const run = (query: string, variables: Record<string, unknown>) => h.run(query, variables);
    const flow = randomUUID();
    const source = randomUUID();
    const collection = randomUUID();
    await run(PUT_FLOW, { id: flow, flow: videoFlow({ sourceId: source }) });
    await run(PUT_FLOW, { id: collection, flow: videoFlow({ sourceId: source }) });
    const steps: [string, Record<string, unknown>][] = [
      ['mutation($id: ID!) { setFlowLabel(id: $id, label: "two") { id } }', { id: flow }],
      ['mutation($id: ID!) { setFlowTag(id: $id, name: "genre", value: "news") { id } }', { id: flow }],
      ['mutation($id: ID!) { setFlowBitRate(id: $id, kind: AVERAGE, value: 5000) { id } }', { id: flow }],
      [PUT_FLOW, { id: flow, flow: videoFlow({ sourceId: source, label: 'replaced' }) }],
      ['mutation($id: ID!) { setSourceLabel(id: $id, label: "studio") { id } }', { id: source }],
      ['mutation($id: ID!) { setSourceTag(id: $id, name: "site", value: "A") { id } }', { id: source }],
      [
        'mutation($id: ID!, $items: [FlowCollectionItemInput!]) { setFlowCollection(id: $id, items: $items) { id } }',
        { id: collection, items: [{ id: flow, role: 'video' }] },
      ],
    ];
    for (const [query, variables] of steps) await run(query, variables);
    const objects = await allocate(h, flow, 3);
    await run(ADD_SEGMENTS, {
      flowId: flow,
      segments: objects.map((objectId, i) => ({ objectId, timerange: `[${i}:0_${i + 1}:0)` })),
    });
    // One that fails in part (an overlap): the per-row path.
    await run(ADD_SEGMENTS, {
      flowId: flow,
      segments: [
        { objectId: objects[0], timerange: '[0:0_1:0)' },
        { objectId: objects[0], timerange: '[5:0_6:0)' },
      ],
    });
    await run(ADD_SEGMENTS, {
      flowId: collection,
      segments: [{ objectId: objects[1], timerange: '[0:0_1:0)' }],
    });
    await run('mutation($id: ID!) { deleteSegments(flowId: $id, timerange: "[2:0_3:0)") { done } }', {
      id: flow,
    });
    await run('mutation($id: ID!) { deleteFlow(id: $id) { done } }', { id: collection });
    await run('mutation($id: ID!) { deleteFlow(id: $id) { done } }', { id: flow });
    expect(calls).toEqual([]);
    // Each write above was one transaction at least (retries and background work may add some).
    expect(transactions).toBeGreaterThanOrEqual(steps.length + 2 + 1 + 3 + 3);
  });
});
