import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { LogLine } from '../../gateway/http/test-support/log-capture.js';
import { captureLog, LEVEL } from '../../gateway/http/test-support/log-capture.js';
import { headWithBody, RawConnection } from '../../gateway/http/test-support/raw-http.js';
import type { RunningService } from '../../gateway/service.js';
import { startService } from '../../gateway/service.js';
import { loadConfig } from '../../lib/config/config.js';
import { bearer, createToken } from '../support/admin-token.js';
import { flowBody } from '../support/keep-alive-load.js';
import { untilActiveSubscriptions } from '../support/metrics.js';

/**
 * Issue 10 §3: clients that hang up mid-request or mid-response, on every path of the embedded store
 * (GraphQL over HTTP, the REST shim, the object store endpoint both ways, graphql-ws), leave no
 * error-level line and no stack trace in the log; the HTTP ones are logged at debug with their request
 * id and route. Requests are caught in flight with `Expect: 100-continue`: Node answers 100 as it hands
 * the request over, so the test knows the server has it before hanging up.
 */

const dir = mkdtempSync(join(tmpdir(), 'tams-disconnects-'));
const config = loadConfig({ TAMS_DATA_DIR: dir, TAMS_PORT: '0' });
const capture = captureLog('debug');
let service: RunningService;
let auth: Record<string, string>;
let port: number;
const flow = randomUUID();

beforeAll(async () => {
  service = await startService(config, 'embedded', { log: capture.log, version: 'test' });
  auth = bearer(await createToken(config.database));
  port = Number(new URL(service.url).port);
  const put = await fetch(`${service.url}/flows/${flow}`, {
    method: 'PUT',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify(flowBody(flow, randomUUID())),
  });
  expect(put.status).toBe(201);
});
afterAll(async () => {
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

const accessLine = (requestId: string) => (l: LogLine) => l.msg === 'request' && l.requestId === requestId;

/** Sends the head of a request with a body, waits until the server has it, sends part of the body, hangs up. */
async function abandonUpload(
  method: string,
  path: string,
  requestId: string,
  headers: Record<string, string>,
) {
  const connection = await RawConnection.open(port);
  connection.write(headWithBody(method, path, 1000, { ...headers, 'x-request-id': requestId }));
  await connection.continued;
  connection.write('{"query": "{ flows { nodes { id');
  connection.socket.resetAndDestroy();
  return capture.waitFor(accessLine(requestId));
}

function expectLoggedAsDisconnect(requestId: string, route: string) {
  const lines = capture.lines.filter((l) => l.requestId === requestId);
  expect(lines.filter((l) => l.level >= LEVEL.warn)).toEqual([]);
  expect(lines.find((l) => l.level === LEVEL.debug)).toMatchObject({ route, requestId });
  expect(lines.find((l) => l.msg === 'request')).toMatchObject({ level: LEVEL.info, aborted: true });
}

async function allocate(): Promise<{ objectId: string; url: string; contentType: string }> {
  const storage = await fetch(`${service.url}/flows/${flow}/storage`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ limit: 1 }),
  });
  expect(storage.status).toBe(201);
  const [object] = (
    (await storage.json()) as {
      media_objects: { object_id: string; put_url: { url: string; 'content-type': string } }[];
    }
  ).media_objects;
  return {
    objectId: object!.object_id,
    url: object!.put_url.url,
    contentType: object!.put_url['content-type'],
  };
}

describe('a client that hangs up', () => {
  it('mid-body of a GraphQL request', async () => {
    await abandonUpload('POST', '/graphql', 'gql-abort', { ...auth, 'content-type': 'application/json' });
    expectLoggedAsDisconnect('gql-abort', 'graphql');
  });

  it('mid-body of a REST write', async () => {
    await abandonUpload('PUT', `/flows/${randomUUID()}`, 'rest-abort', {
      ...auth,
      'content-type': 'application/json',
    });
    expectLoggedAsDisconnect('rest-abort', 'rest');
  });

  it('mid-upload to the object store', async () => {
    const { url, contentType } = await allocate();
    const { pathname, search } = new URL(url);
    await abandonUpload('PUT', pathname + search, 'object-put-abort', { 'content-type': contentType });
    expectLoggedAsDisconnect('object-put-abort', 'object-store');
  });

  it('mid-download from the object store', async () => {
    const { objectId, url, contentType } = await allocate();
    // Far more than socket buffers hold, so the server is still writing when the client leaves.
    const upload = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': contentType },
      body: Buffer.alloc(32 * 1024 * 1024, 1),
    });
    expect(upload.status).toBe(201);
    const register = await fetch(`${service.url}/flows/${flow}/segments`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify([{ object_id: objectId, timerange: '[0:0_10:0)' }]),
    });
    expect(register.status).toBe(201);
    const segments = (await (
      await fetch(`${service.url}/flows/${flow}/segments`, { headers: auth })
    ).json()) as { get_urls: { url: string }[] }[];
    const { pathname, search } = new URL(segments[0]!.get_urls[0]!.url);
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(`GET ${pathname}${search} HTTP/1.1\r\nhost: test\r\nx-request-id: object-get-abort\r\n\r\n`);
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.resetAndDestroy();
    const access = await capture.waitFor(accessLine('object-get-abort'));
    expect(access.status).toBe(200);
    expectLoggedAsDisconnect('object-get-abort', 'object-store');
  });

  it('with a graphql-ws subscription open', async () => {
    const socket = new WebSocket(service.graphqlUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: auth }));
    await new Promise((resolve) => socket.once('message', resolve)); // connection_ack
    socket.send(
      JSON.stringify({
        id: '1',
        type: 'subscribe',
        payload: { query: 'subscription($id: ID!) { flowUpdated(id: $id) { id } }', variables: { id: flow } },
      }),
    );
    await untilActiveSubscriptions(service.url, 1);
    // An event on its way as the client goes, without a closing handshake (a crashed tab, a lost link).
    const label = await fetch(`${service.url}/flows/${flow}/label`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify('changed'),
    });
    expect(label.status).toBeLessThan(300);
    socket.terminate();
    await untilActiveSubscriptions(service.url, 0);
  });

  it('with a graphql-ws socket broken by a frame over the limit', async () => {
    const socket = new WebSocket(service.graphqlUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', resolve));
    socket.send(Buffer.alloc(2 * 1024 * 1024, 0x20).toString());
    expect(await closed).toBe(1009);
    const line = await capture.waitFor((l) => l.msg === 'a graphql-ws socket failed');
    expect(line).toMatchObject({
      level: LEVEL.debug,
      route: 'graphql-ws',
      reason: expect.any(String) as unknown,
    });
    expect(line).not.toHaveProperty('err');
  });

  it('leaves no error-level line and no stack trace anywhere in the log', () => {
    expect(capture.lines.filter((l) => l.level >= LEVEL.error)).toEqual([]);
    expect(capture.lines.filter((l) => JSON.stringify(l).includes('"stack"'))).toEqual([]);
  });
});
