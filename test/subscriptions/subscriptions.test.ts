import { randomUUID } from 'node:crypto';
import { createClient } from 'graphql-ws';
import { SignJWT } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { ApiTokens } from '../../gateway/auth/api-tokens.js';
import { Principals } from '../../gateway/auth/principals.js';
import { allows, GRAPHQL_SCOPES } from '../../gateway/auth/scope-rules.js';
import { OutboxFeed } from '../../lib/events/outbox-feed.js';
import { eventually } from '../../lib/test-support/eventually.js';
import { bearer } from '../support/admin-token.js';
import { activeSubscriptions, gatewayQueries, untilActiveSubscriptions } from '../support/metrics.js';
import {
  addSegment,
  connect,
  createFlow,
  executor,
  JWT_SECRET,
  logs,
  rest,
  service,
  tokens,
  useSubscriptionStore,
  wsUrl,
} from './subscription-store.js';

/**
 * GraphQL subscriptions over graphql-ws against the embedded store with authentication on:
 * connection_init with every scheme, scopes per subscription, events resolved through the federated
 * gateway (media and analytics fields), deletion completing the stream, revocation closing the socket.
 * The dashboard's fields (storeEvents, flowStats, storeTotals): dashboard-subscriptions.test.ts.
 */

useSubscriptionStore();

const FLOW_UPDATED = `subscription($id: ID!) {
  flowUpdated(id: $id) { id label stats { segmentCount } }
}`;

describe('graphql-ws connection_init', () => {
  it('closes the socket with 4401 without valid credentials, 4400 for credentials given twice', async () => {
    const cases: [Record<string, unknown> | undefined, number][] = [
      [undefined, 4401],
      [{}, 4401],
      [bearer('tams_not-a-real-token-0000000000000000000000000'), 4401],
      [bearer('not even a token'), 4401],
      [{ authorization: 'Basic ' + Buffer.from('basic-ana:wrong password').toString('base64') }, 4401],
      [{ authorization: 42 }, 4401],
      [{ ...bearer(tokens.read), access_token: tokens.read }, 4400],
    ];
    for (const [params, code] of cases) {
      const client = await connect(wsUrl, params);
      const result = await client.initResult();
      expect(result, JSON.stringify(params)).toMatchObject({ code });
    }
    // Nothing of the presented credentials is logged.
    expect(logs.join('\n')).not.toContain(tokens.read);
    expect(logs.join('\n')).not.toContain('wrong password');
  });

  it('accepts every scheme: API token, JWT, Basic, access_token, and the upgrade request', async () => {
    const jwt = await new SignJWT({ scope: 'tams-api/read' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('dashboard')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JWT_SECRET));
    const accepted: [string, Record<string, unknown> | undefined, object][] = [
      ['API token', bearer(tokens.read), {}],
      ['JWT', { Authorization: `Bearer ${jwt}` }, {}],
      [
        'Basic',
        { authorization: 'Basic ' + Buffer.from('basic-ana:a long enough password').toString('base64') },
        {},
      ],
      ['access_token', { access_token: tokens.read }, {}],
      ['upgrade header', undefined, { headers: bearer(tokens.read) }],
    ];
    for (const [scheme, params, options] of accepted) {
      const client = await connect(wsUrl, params, options);
      expect(await client.initResult(), scheme).toBe('ack');
      client.close();
    }
    const viaQuery = await connect(`${wsUrl}?access_token=${tokens.read}`);
    expect(await viaQuery.initResult()).toBe('ack');
    viaQuery.close();
  });

  it('checks each subscription field, and each operation sent over the socket, against the scopes', async () => {
    const flow = await createFlow();
    const { source_id: source } = (await (await rest('GET', `/flows/${flow}`)).json()) as {
      source_id: string;
    };
    // Each field, subscribed with arguments it accepts.
    const subscriptions: Record<string, [string, Record<string, unknown>]> = {
      flowUpdated: ['subscription($id: ID!) { flowUpdated(id: $id) { id } }', { id: flow }],
      sourceUpdated: ['subscription($id: ID!) { sourceUpdated(id: $id) { id } }', { id: source }],
      flowStats: ['subscription($id: ID!) { flowStats(id: $id, heartbeat: null) { id } }', { id: flow }],
      storeEvents: ['subscription { storeEvents { position } }', {}],
      storeTotals: ['subscription { storeTotals(heartbeat: null) { totals { flows } } }', {}],
    };
    const fields = Object.keys(GRAPHQL_SCOPES.Subscription).filter((f) => !f.startsWith('_'));
    expect(fields.sort()).toEqual(Object.keys(subscriptions).sort());
    for (const scope of ['read', 'write', 'delete', 'admin'] as const) {
      const client = await connect(wsUrl, bearer(tokens[scope]));
      expect(await client.initResult()).toBe('ack');
      // A mutation over the socket runs through the gateway's pipeline and its scope check.
      client.subscribe('m', 'mutation($id: ID!) { setFlowLabel(id: $id, label: "x") { id } }', { id: flow });
      const [mutation] = await client.nextOf('m', 1);
      if (allows({ principal: scope, scopes: new Set([scope]), scheme: 'api-token' }, 'write'))
        expect(mutation, scope).toMatchObject({
          type: 'next',
          payload: { data: { setFlowLabel: { id: flow } } },
        });
      else
        expect(mutation, scope).toMatchObject({
          type: 'error',
          payload: [{ extensions: { code: 'FORBIDDEN' } }],
        });
      for (const field of fields) {
        const requirement = GRAPHQL_SCOPES.Subscription[field]!;
        client.subscribe(field, ...subscriptions[field]!);
        if (allows({ principal: scope, scopes: new Set([scope]), scheme: 'api-token' }, requirement)) {
          await untilActiveSubscriptions(service.url, fields.indexOf(field) + 1);
          // Live (the mutation above may already have produced an event), never refused.
          expect(
            client.of(field).filter((m) => m.type !== 'next'),
            `${field} as ${scope}`,
          ).toEqual([]);
        } else
          expect((await client.nextOf(field, 1))[0], `${field} as ${scope}`).toMatchObject({
            type: 'error',
            payload: [
              {
                message: expect.stringContaining(`${field} needs the ${requirement} scope`) as string,
                extensions: { code: 'FORBIDDEN' },
              },
            ],
          });
      }
      client.close();
      await untilActiveSubscriptions(service.url, 0);
    }
  });
});

describe('subscriptions', () => {
  it('count as active only once they follow the outbox, so that a write after the count reaches them', async () => {
    const flow = await createFlow();
    // Hold the subscription's positioning on the outbox until the gauge has been read.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const listen = OutboxFeed.prototype.listen; // eslint-disable-line @typescript-eslint/unbound-method -- applied to its own instance below
    const spy = vi.spyOn(OutboxFeed.prototype, 'listen').mockImplementationOnce(async function (
      this: OutboxFeed,
      ...args
    ) {
      await held;
      return listen.apply(this, args);
    });
    try {
      const client = await connect(wsUrl, bearer(tokens.read));
      expect(await client.initResult()).toBe('ack');
      client.subscribe('1', FLOW_UPDATED, { id: flow });
      await eventually(() => spy.mock.calls.length === 1, 'the subscription to start listening');
      expect(await activeSubscriptions(service.url)).toBe(0);
      release();
      await untilActiveSubscriptions(service.url, 1);
      await rest('PUT', `/flows/${flow}/label`, 'seen');
      expect((await client.nextOf('1', 1))[0]).toMatchObject({
        payload: { data: { flowUpdated: { id: flow, label: 'seen' } } },
      });
    } finally {
      release();
      spy.mockRestore();
    }
  });

  it('deliver each change of a flow with fields of both subgraphs, then null and complete on deletion', async () => {
    const flow = await createFlow();
    const client = await connect(wsUrl, bearer(tokens.read));
    expect(await client.initResult()).toBe('ack');
    client.subscribe('1', FLOW_UPDATED, { id: flow });
    await untilActiveSubscriptions(service.url, 1);

    await rest('PUT', `/flows/${flow}/label`, 'camera one');
    const [first] = await client.nextOf('1', 1);
    expect(first).toEqual({
      id: '1',
      type: 'next',
      payload: { data: { flowUpdated: { id: flow, label: 'camera one', stats: { segmentCount: 0 } } } },
    });

    await addSegment(flow, 100);
    const [, second] = await client.nextOf('1', 2);
    expect(second!.payload).toEqual({
      data: { flowUpdated: { id: flow, label: 'camera one', stats: { segmentCount: 1 } } },
    });

    // Events for other flows are not delivered.
    const other = await createFlow();
    await rest('PUT', `/flows/${other}/label`, 'elsewhere');
    await rest('DELETE', `/flows/${flow}`);
    const messages = await client.nextOf('1', 4);
    expect(messages.slice(2)).toEqual([
      { id: '1', type: 'next', payload: { data: { flowUpdated: null } } },
      { id: '1', type: 'complete' },
    ]);
    await untilActiveSubscriptions(service.url, 0);
    client.close();
  });

  it('coalesce a burst of changes into the latest state', async () => {
    const flow = await createFlow();
    const client = await connect(wsUrl, bearer(tokens.read));
    expect(await client.initResult()).toBe('ack');
    client.subscribe('1', 'subscription($id: ID!) { f: flowUpdated(id: $id) { label } }', { id: flow });
    await untilActiveSubscriptions(service.url, 1);
    for (let i = 1; i <= 20; i++) await rest('PUT', `/flows/${flow}/label`, `take ${i}`);
    // Results come in order and end with the latest state; there may be fewer than 20 of them.
    const labelsOf = () =>
      client.of('1').map((m) => (m.payload as { data: { f: { label: string } } }).data.f.label);
    await client.until(() => labelsOf().at(-1) === 'take 20');
    const labels = labelsOf();
    expect(labels.at(-1)).toBe('take 20');
    expect(labels.length).toBeLessThanOrEqual(20);
    const takes = labels.map((l) => Number(l.split(' ')[1]));
    expect(takes).toEqual([...takes].sort((a, b) => a - b));
    client.complete('1');
    await untilActiveSubscriptions(service.url, 0);
    client.close();
  });

  it('resolve an event once for many identical subscribers', async () => {
    const flow = await createFlow();
    const SUBSCRIBERS = 20;
    const subscribers = await Promise.all(
      Array.from({ length: SUBSCRIBERS }, () => connect(wsUrl, bearer(tokens.read))),
    );
    for (const client of subscribers) {
      expect(await client.initResult()).toBe('ack');
      client.subscribe('1', FLOW_UPDATED, { id: flow });
    }
    await untilActiveSubscriptions(service.url, SUBSCRIBERS);
    const queriesBefore = await gatewayQueries(service.url);
    await rest('PUT', `/flows/${flow}/label`, 'on every screen');
    for (const client of subscribers)
      expect((await client.nextOf('1', 1))[0]).toEqual({
        id: '1',
        type: 'next',
        payload: {
          data: { flowUpdated: { id: flow, label: 'on every screen', stats: { segmentCount: 0 } } },
        },
      });
    // Joining a run is a race with its end, so not always exactly 1; never one per subscriber.
    expect(await gatewayQueries(service.url)).toBeLessThan(queriesBefore + SUBSCRIBERS / 2);
  });

  it('close the socket with 4401 at the next event once the token is revoked', async () => {
    const executorTokens = new ApiTokens(executor);
    const { principal } = await new Principals(executor).set(`revoked-${randomUUID()}`, ['read']);
    const { token, info } = await executorTokens.create(principal, ['read']);
    const flow = await createFlow();
    const client = await connect(wsUrl, bearer(token));
    expect(await client.initResult()).toBe('ack');
    client.subscribe('1', FLOW_UPDATED, { id: flow });
    await untilActiveSubscriptions(service.url, 1);
    await rest('PUT', `/flows/${flow}/label`, 'before');
    await client.nextOf('1', 1);
    expect(await executorTokens.revoke(info.id)).toBe(true);
    await rest('PUT', `/flows/${flow}/label`, 'after');
    expect(await client.waitClosed()).toMatchObject({ code: 4401 });
    expect(client.of('1')).toHaveLength(1);
    await untilActiveSubscriptions(service.url, 0);
  });

  it('close every socket of a revoked token at the next event, and only those', async () => {
    const executorTokens = new ApiTokens(executor);
    const { principal } = await new Principals(executor).set(`shared-${randomUUID()}`, ['read']);
    const { token, info } = await executorTokens.create(principal, ['read']);
    const flow = await createFlow();
    const revoked = await Promise.all([1, 2, 3].map(() => connect(wsUrl, bearer(token))));
    const other = await connect(wsUrl, bearer(tokens.read));
    for (const client of [...revoked, other]) {
      expect(await client.initResult()).toBe('ack');
      client.subscribe('1', FLOW_UPDATED, { id: flow });
    }
    await untilActiveSubscriptions(service.url, 4);
    await rest('PUT', `/flows/${flow}/label`, 'before');
    for (const client of [...revoked, other]) await client.nextOf('1', 1);
    expect(await executorTokens.revoke(info.id)).toBe(true);
    await rest('PUT', `/flows/${flow}/label`, 'after');
    for (const client of revoked) {
      expect(await client.waitClosed()).toMatchObject({ code: 4401 });
      expect(client.of('1')).toHaveLength(1);
    }
    expect((await other.nextOf('1', 2))[1]).toMatchObject({
      payload: { data: { flowUpdated: { label: 'after' } } },
    });
    await untilActiveSubscriptions(service.url, 1);
  });

  it('refuse a query or mutation on an open connection once its token is revoked', async () => {
    const executorTokens = new ApiTokens(executor);
    const { principal } = await new Principals(executor).set(`writer-${randomUUID()}`, ['write']);
    const { token, info } = await executorTokens.create(principal, ['write']);
    const flow = await createFlow();
    const client = await connect(wsUrl, bearer(token));
    expect(await client.initResult()).toBe('ack');
    const rename = (label: string) =>
      client.subscribe(
        label,
        'mutation($id: ID!, $l: String) { setFlowLabel(id: $id, label: $l) { label } }',
        {
          id: flow,
          l: label,
        },
      );
    rename('before');
    expect((await client.nextOf('before', 1))[0]).toMatchObject({
      type: 'next',
      payload: { data: { setFlowLabel: { label: 'before' } } },
    });
    expect(await executorTokens.revoke(info.id)).toBe(true);
    rename('after');
    expect(await client.waitClosed()).toMatchObject({ code: 4401 });
    const { label } = (await (await rest('GET', `/flows/${flow}`)).json()) as { label: string };
    expect(label).toBe('before');
  });

  it('apply the HTTP endpoint limits, and are refused over HTTP', async () => {
    const client = await connect(wsUrl, bearer(tokens.read));
    expect(await client.initResult()).toBe('ack');
    const deep = `subscription { flowUpdated(id: "${randomUUID()}") { ${'source { flows(limit: 1) { nodes { '.repeat(6)}id${' } } }'.repeat(6)} } }`;
    client.subscribe('deep', deep);
    client.subscribe('two', `subscription { a: flowUpdated(id: "x") { id } b: flowUpdated(id: "y") { id } }`);
    client.subscribe('bad', 'subscription { flowUpdated { id } }');
    client.subscribe('parse', 'subscription {');
    const codeOf = async (id: string) =>
      ((await client.nextOf(id, 1))[0]!.payload as { extensions: { code: string } }[])[0]!.extensions.code;
    expect(await codeOf('deep')).toBe('QUERY_TOO_DEEP');
    expect(await codeOf('two')).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(await codeOf('bad')).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(await codeOf('parse')).toBe('GRAPHQL_PARSE_FAILED');
    client.close();

    const overHttp = await fetch(service.graphqlUrl, {
      method: 'POST',
      headers: { ...bearer(tokens.read), 'content-type': 'application/json' },
      body: JSON.stringify({ query: FLOW_UPDATED, variables: { id: randomUUID() } }),
    });
    expect(overHttp.status).toBe(400);
    expect(await overHttp.json()).toMatchObject({
      errors: [{ extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } }],
    });
  });

  it('work with the graphql-ws client, and a source subscription sees its flows change', async () => {
    const flow = await createFlow();
    const source = (
      (await (await rest('GET', `/flows/${flow}`)).json()) as {
        source_id: string;
      }
    ).source_id;
    const client = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: bearer(tokens.read),
      retryAttempts: 0,
    });
    try {
      const subscription = client.iterate<{
        sourceUpdated: { id: string; flows: { nodes: { id: string; label: string }[] } };
      }>({
        query: 'subscription($id: ID!) { sourceUpdated(id: $id) { id flows { nodes { id label } } } }',
        variables: { id: source },
      });
      // Not counted until the socket is open and the subscription registered.
      await untilActiveSubscriptions(service.url, 0);
      const next = subscription.next();
      await untilActiveSubscriptions(service.url, 1);
      await rest('PUT', `/flows/${flow}/label`, 'renamed');
      expect((await next).value).toEqual({
        data: { sourceUpdated: { id: source, flows: { nodes: [{ id: flow, label: 'renamed' }] } } },
      });
      await subscription.return?.();
      await untilActiveSubscriptions(service.url, 0);
    } finally {
      await client.dispose();
    }
  });
});
