import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ApiTokens } from '../../gateway/auth/api-tokens.js';
import { Principals } from '../../gateway/auth/principals.js';
import { bearer } from '../support/admin-token.js';
import { untilActiveSubscriptions } from '../support/metrics.js';
import {
  addSegment,
  connect,
  createFlow,
  executor,
  rest,
  service,
  tokens,
  useSubscriptionStore,
  wsUrl,
} from './subscription-store.js';
import type { WsTestClient } from './ws-client.js';

/**
 * The subscriptions a dashboard uses (issue 14 §1, docs/decisions.md §39), over graphql-ws against the
 * embedded store: the store's events one by one, filtered and scoped; a flow's paced live view; the
 * store's totals.
 */

useSubscriptionStore();

describe('dashboard subscriptions', () => {
  const STORE_EVENTS = `subscription($filter: StoreEventFilter) {
    storeEvents(filter: $filter) {
      position type tamsType flowId
      segments { count timerange }
      flow { label stats { segmentCount } }
    }
  }`;
  type StoreEventOut = {
    position: string;
    type: string;
    tamsType: string;
    flowId: string | null;
    segments: { count: number | null; timerange: string } | null;
    flow: { label: string; stats: { segmentCount: number } } | null;
  };
  const eventsOf = (client: WsTestClient, id: string) =>
    client
      .of(id)
      .filter((m) => m.type === 'next')
      .map((m) => (m.payload as { data: { storeEvents: StoreEventOut } }).data.storeEvents);

  it('storeEvents: every event of the filtered flows once, in order, with fields of both subgraphs', async () => {
    const flow = await createFlow();
    const other = await createFlow();
    const client = await connect(wsUrl, bearer(tokens.read));
    expect(await client.initResult()).toBe('ack');
    client.subscribe('flow', STORE_EVENTS, { filter: { flowIds: [flow] } });
    client.subscribe('segments', STORE_EVENTS, {
      filter: { types: ['FLOW_SEGMENTS_ADDED', 'FLOW_SEGMENTS_DELETED'] },
    });
    await untilActiveSubscriptions(service.url, 2);

    await rest('PUT', `/flows/${flow}/label`, 'studio 1');
    await addSegment(flow, 100);
    await addSegment(other, 100);
    await addSegment(flow, 101);
    await rest('DELETE', `/flows/${flow}/segments?timerange=[100:0_101:0)`);

    await client.until(
      () => eventsOf(client, 'flow').length >= 4 && eventsOf(client, 'segments').length >= 4,
    );
    const ofFlow = eventsOf(client, 'flow');
    expect(ofFlow.map((e) => [e.type, e.tamsType, e.flowId, e.segments])).toEqual([
      ['FLOW_UPDATED', 'flows/updated', flow, null],
      ['FLOW_SEGMENTS_ADDED', 'flows/segments_added', flow, { count: 1, timerange: '[100:0_101:0)' }],
      ['FLOW_SEGMENTS_ADDED', 'flows/segments_added', flow, { count: 1, timerange: '[101:0_102:0)' }],
      ['FLOW_SEGMENTS_DELETED', 'flows/segments_deleted', flow, { count: null, timerange: '[100:0_101:0)' }],
    ]);
    // Positions strictly increase; the flow is as it is at delivery (a count of 0, 1 or 2).
    const positions = ofFlow.map((e) => BigInt(e.position));
    expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : 1)));
    expect(new Set(positions).size).toBe(positions.length);
    expect(ofFlow.every((e) => e.flow?.label === 'studio 1')).toBe(true);
    // The type filter: the other flow's segments too, and nothing but segments.
    const segments = eventsOf(client, 'segments');
    expect(segments.map((e) => [e.type, e.flowId])).toEqual([
      ['FLOW_SEGMENTS_ADDED', flow],
      ['FLOW_SEGMENTS_ADDED', other],
      ['FLOW_SEGMENTS_ADDED', flow],
      ['FLOW_SEGMENTS_DELETED', flow],
    ]);
  });

  it('storeEvents: delete-request progress reaches callers with the delete scope, not readers', async () => {
    const flow = await createFlow();
    for (let second = 0; second < 5; second++) await addSegment(flow, second);
    const { principal } = await new Principals(executor).set(`deleter-${randomUUID()}`, ['read', 'delete']);
    const { token } = await new ApiTokens(executor).create(principal, ['read', 'delete']);
    const reader = await connect(wsUrl, bearer(tokens.read));
    const deleter = await connect(wsUrl, bearer(token));
    expect(await reader.initResult()).toBe('ack');
    expect(await deleter.initResult()).toBe('ack');
    const query = `subscription($flow: ID!) {
      storeEvents(filter: { flowIds: [$flow] }) { type deleteRequest { flowId status deleteFlow } }
    }`;
    reader.subscribe('r', query, { flow });
    deleter.subscribe('d', query, { flow });
    await untilActiveSubscriptions(service.url, 2);
    await rest('DELETE', `/flows/${flow}`);
    type Out = { type: string; deleteRequest: { status: string } | null };
    const typesOf = (client: WsTestClient, id: string) =>
      client
        .of(id)
        .filter((m) => m.type === 'next')
        .map((m) => (m.payload as { data: { storeEvents: Out } }).data.storeEvents);
    await deleter.until(() => typesOf(deleter, 'd').some((e) => e.deleteRequest?.status === 'DONE'));
    const seen = typesOf(deleter, 'd');
    // The request is created in the deletion's transaction, then the worker reports its batches.
    expect(seen.slice(0, 2)).toEqual([
      {
        type: 'DELETE_REQUEST_UPDATED',
        deleteRequest: { flowId: flow, status: 'CREATED', deleteFlow: true },
      },
      { type: 'FLOW_DELETED', deleteRequest: null },
    ]);
    expect(seen.slice(2).every((e) => e.type === 'DELETE_REQUEST_UPDATED')).toBe(true);
    // The reader got the deletion, and none of the request's progress.
    await reader.until(() => typesOf(reader, 'r').length >= 1);
    expect(typesOf(reader, 'r').map((e) => e.type)).toEqual(['FLOW_DELETED']);
  });

  it('storeEvent answers null for a position that holds no event, and refuses one that is not a number', async () => {
    const response = await fetch(service.graphqlUrl, {
      method: 'POST',
      headers: { ...bearer(tokens.read), 'content-type': 'application/json' },
      body: JSON.stringify({
        query:
          '{ none: storeEvent(position: "999999999999") { position } bad: storeEvent(position: "-1") { position } }',
      }),
    });
    const body = (await response.json()) as { data: unknown; errors: { extensions: { code: string } }[] };
    expect(body.data).toEqual({ none: null, bad: null });
    expect(body.errors.map((e) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
  });

  it('flowStats: the current state at once, then the flow after changes, with lag and ingest rate', async () => {
    const flow = await createFlow();
    const client = await connect(wsUrl, bearer(tokens.read));
    expect(await client.initResult()).toBe('ack');
    client.subscribe(
      'live',
      `subscription($id: ID!) {
        flowStats(id: $id, interval: 0.1, heartbeat: null) {
          id stats { segmentCount lastEnd lagSeconds ingestRate(window: 60) }
        }
      }`,
      { id: flow },
    );
    type Live = {
      stats: { segmentCount: number; lastEnd: string | null; lagSeconds: number | null; ingestRate: number };
    };
    const states = () =>
      client
        .of('live')
        .filter((m) => m.type === 'next')
        .map((m) => (m.payload as { data: { flowStats: Live } }).data.flowStats.stats);
    await client.until(() => states().length >= 1);
    expect(states()[0]).toEqual({ segmentCount: 0, lastEnd: null, lagSeconds: null, ingestRate: 0 });
    await addSegment(flow, 100);
    await addSegment(flow, 101);
    await client.until(() => states().at(-1)?.segmentCount === 2);
    const last = states().at(-1)!;
    expect(last.lastEnd).toBe('102:0');
    // The segments end 102 s after the TAI epoch: decades behind the clock.
    expect(last.lagSeconds).toBeGreaterThan(50 * 365 * 86_400);
    expect(last.ingestRate).toBeCloseTo(2 / 60, 10);
    await rest('DELETE', `/flows/${flow}`);
    await client.until(() => client.of('live').some((m) => m.type === 'complete'));
  });

  it('storeTotals: store totals at once, and again after a change', async () => {
    const client = await connect(wsUrl, bearer(tokens.read));
    expect(await client.initResult()).toBe('ack');
    client.subscribe(
      't',
      'subscription { storeTotals(interval: 0.1, heartbeat: null) { totals { flows sources segments objectBytes ingestRate } } }',
    );
    type Totals = {
      flows: number;
      sources: number;
      segments: number;
      objectBytes: number;
      ingestRate: number;
    };
    const totals = () =>
      client
        .of('t')
        .filter((m) => m.type === 'next')
        .map((m) => (m.payload as { data: { storeTotals: { totals: Totals } } }).data.storeTotals.totals);
    await client.until(() => totals().length >= 1);
    const before = totals()[0]!;
    const expected = (await (
      await fetch(service.graphqlUrl, {
        method: 'POST',
        headers: { ...bearer(tokens.read), 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ flows(limit: 1000) { nodes { id } } }' }),
      })
    ).json()) as { data: { flows: { nodes: unknown[] } } };
    expect(before.flows).toBe(expected.data.flows.nodes.length);
    const flow = await createFlow();
    await addSegment(flow, 5);
    await client.until(() => totals().at(-1)?.segments === before.segments + 1);
    const after = totals().at(-1)!;
    expect(after.flows).toBe(before.flows + 1);
    expect(after.sources).toBe(before.sources + 1);
    expect(after.ingestRate).toBeGreaterThan(0);
  });
});
