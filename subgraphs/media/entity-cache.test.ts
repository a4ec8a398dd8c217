import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoherentCache, MemoryStore } from '../../lib/cache/index.js';
import type { CacheResult } from '../../lib/cache/index.js';
import { eq } from '../../lib/executor/index.js';
import type { MediaHarness } from './test-support/media-harness.js';
import { openMediaHarness } from './test-support/media-harness.js';
import { ADD_SEGMENTS, allocate, PUT_FLOW, videoFlow } from './test-support/operations.js';

/**
 * Issue 12 §2/§3: entity rows by id come from the shared cache, and every write path of the media
 * domain invalidates what it changed before it is acknowledged. Each write below is followed by a read
 * through the cache that must equal the database's row, for every flow, source and object involved.
 * The store is the memory store (one process); which store is used does not change what a write
 * invalidates, and lib/cache's contract suite holds both stores to the same protocol.
 */
describe.each(['sqlite', 'postgres'] as const)('entity caching on %s', (backend) => {
  let h: MediaHarness;
  let cache: CoherentCache;
  const counts = new Map<CacheResult, number>();
  const count = (result: CacheResult) => counts.get(result) ?? 0;

  beforeAll(async () => {
    cache = new CoherentCache(new MemoryStore(), {
      onRequests: (_space, result, n) => counts.set(result, count(result) + n),
    });
    await cache.whenEnabled();
    h = await openMediaHarness({ backend, cache });
  });
  afterAll(async () => {
    await h.close();
    await cache.close();
  });

  const flows: string[] = [];
  const sources: string[] = [];
  const objects: string[] = [];

  /** Reads every entity through the cache (a new request's loaders) and compares it with the database. */
  async function expectFresh(): Promise<void> {
    const { loaders } = h.subgraph.createContext('tester');
    const [cachedFlows, cachedSources, cachedObjects, items, collectors] = await Promise.all([
      loaders.flow.loadMany(flows),
      loaders.source.loadMany(sources),
      loaders.object.loadMany(objects),
      loaders.collectionItems.loadMany(flows),
      loaders.collectorsOf.loadMany(flows),
    ]);
    await cache.flush();
    expect(cachedFlows).toEqual(await h.executor.lookup('flows', 'id', flows));
    expect(cachedSources).toEqual(await h.executor.lookup('sources', 'id', sources));
    expect(cachedObjects).toEqual(await h.executor.lookup('objects', 'id', objects));
    expect(items).toEqual(
      await h.executor.lookupMany('flow_collection_items', 'collection_id', flows, {
        orderBy: [{ column: 'position' }],
      }),
    );
    expect(collectors).toEqual(await h.executor.lookupMany('flow_collection_items', 'member_id', flows));
  }

  const run = (query: string, variables: Record<string, unknown>) => h.run(query, variables);

  it('serves a second read of the same rows from the cache', async () => {
    const flow = randomUUID();
    const source = randomUUID();
    await run(PUT_FLOW, { id: flow, flow: videoFlow({ sourceId: source, label: 'one' }) });
    flows.push(flow);
    sources.push(source);
    await expectFresh();
    const hits = count('hit');
    await expectFresh();
    // Each flow: its row, its collection items and its collectors; each source: its row.
    expect(count('hit') - hits).toBe(3 * flows.length + sources.length);
  });

  it('is really a cache: a change made behind the domain’s back is not seen (the control for the tests below)', async () => {
    const [flow] = flows;
    await h.executor.update('flows', eq('id', flow!), { label: 'behind its back' });
    const { loaders } = h.subgraph.createContext('tester');
    expect((await loaders.flow.load(flow!))?.label).toBe('one');
    await cache.invalidate([`flow:${flow}`]);
    expect((await h.subgraph.createContext('tester').loaders.flow.load(flow!))?.label).toBe(
      'behind its back',
    );
  });

  it('sees every flow and source metadata change', async () => {
    const [flow] = flows;
    const [source] = sources;
    const steps: [string, Record<string, unknown>][] = [
      ['mutation($id: ID!) { setFlowLabel(id: $id, label: "two") { id } }', { id: flow }],
      ['mutation($id: ID!) { setFlowDescription(id: $id, description: "d") { id } }', { id: flow }],
      ['mutation($id: ID!) { setFlowTag(id: $id, name: "genre", value: "news") { id } }', { id: flow }],
      ['mutation($id: ID!) { setFlowTag(id: $id, name: "genre", value: null) { id } }', { id: flow }],
      ['mutation($id: ID!) { setFlowReadOnly(id: $id, readOnly: false) { id } }', { id: flow }],
      ['mutation($id: ID!) { setFlowBitRate(id: $id, kind: AVERAGE, value: 5000) { id } }', { id: flow }],
      [PUT_FLOW, { id: flow, flow: videoFlow({ sourceId: source, label: 'replaced' }) }],
      ['mutation($id: ID!) { setSourceLabel(id: $id, label: "studio") { id } }', { id: source }],
      ['mutation($id: ID!) { setSourceDescription(id: $id, description: "s") { id } }', { id: source }],
      ['mutation($id: ID!) { setSourceTag(id: $id, name: "site", value: "A") { id } }', { id: source }],
    ];
    for (const [query, variables] of steps) {
      await run(query, variables);
      await expectFresh();
    }
  });

  it('sees collections, segments, objects and deletions', async () => {
    const [flow] = flows;
    const collection = randomUUID();
    await run(PUT_FLOW, { id: collection, flow: videoFlow({ sourceId: sources[0] }) });
    flows.push(collection);
    await expectFresh();
    await run(
      'mutation($id: ID!, $items: [FlowCollectionItemInput!]) { setFlowCollection(id: $id, items: $items) { id } }',
      {
        id: collection,
        items: [{ id: flow, role: 'video' }],
      },
    );
    await expectFresh();

    const allocated = await allocate(h, flow!, 3);
    objects.push(...allocated);
    await expectFresh();
    const added = await h.run<{ addSegments: { failed: unknown[] } }>(ADD_SEGMENTS, {
      flowId: flow,
      segments: allocated.map((objectId, i) => ({ objectId, timerange: `[${i}:0_${i + 1}:0)` })),
    });
    expect(added.data!.addSegments.failed).toEqual([]);
    await expectFresh();
    // Registered in the other flow too: the objects' referencing flows change.
    await h.run(ADD_SEGMENTS, {
      flowId: collection,
      segments: [{ objectId: allocated[0], timerange: '[0:0_1:0)' }],
    });
    await expectFresh();

    await run('mutation($id: ID!) { deleteSegments(flowId: $id, timerange: "[2:0_3:0)") { done } }', {
      id: flow,
    });
    await expectFresh();
    await run('mutation($id: ID!) { deleteFlow(id: $id) { done } }', { id: collection });
    await expectFresh();
    await run('mutation($id: ID!) { deleteFlow(id: $id) { done } }', { id: flow });
    await expectFresh();
    const [gone] = await h.executor.lookup('flows', 'id', [flow!]);
    expect(gone).toBeNull();
  });
});
