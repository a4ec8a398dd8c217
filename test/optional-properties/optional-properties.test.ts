import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/logger.js';
import type { RunningService } from '../../gateway/service.js';
import { startService } from '../../gateway/service.js';
import { loadConfig } from '../../lib/config/config.js';
import { WebhookReceiver } from '../../subgraphs/media/webhooks/test-support/webhook-receiver.js';
import { createTestDatabase } from '../../lib/executor/test-support/postgres-test-database.js';
import type { TestDatabase } from '../../lib/executor/test-support/postgres-test-database.js';
import { bearer, createToken } from '../support/admin-token.js';

/**
 * Optional properties come back exactly when the client set them (issue 10 §4): over REST (TAMS 7.0
 * JSON), over GraphQL (null when unset) and in webhook payloads (the same JSON as REST), on both
 * backends. 7.0 gives `read_only`, `tags` and `flow_collection` no default, so a store must not invent
 * `read_only: false` or `tags: {}`; a client that sends them explicitly gets them back.
 */

type Json = Record<string, unknown>;

/** Properties the store fills in itself (S:flow-core.json, S:source.json: managed, or the principal). */
const FLOW_MANAGED = ['created', 'created_by', 'updated_by', 'metadata_updated', 'metadata_version'];
const SOURCE_MANAGED = ['id', 'format', 'created', 'created_by', 'updated', 'updated_by'];

type FlowBody = Json & { id: string; source_id: string };

function videoFlow(fields: Json = {}): FlowBody {
  return {
    id: randomUUID(),
    source_id: randomUUID(),
    format: 'urn:x-nmos:format:video',
    codec: 'video/h264',
    container: 'video/mp2t',
    essence_parameters: { frame_width: 1920, frame_height: 1080 },
    ...fields,
  };
}

/** Keys of `returned` that are neither in what the client sent nor store-managed. */
const invented = (returned: Json, sent: Json, managed: readonly string[]) =>
  Object.keys(returned).filter((k) => !(k in sent) && !managed.includes(k));

describe.each(['sqlite', 'postgres'] as const)('optional properties on %s', (backend) => {
  const dir = mkdtempSync(join(tmpdir(), `tams-optional-${backend}-`));
  let database: TestDatabase | undefined;
  let service: RunningService | undefined;
  let receiver: WebhookReceiver | undefined;
  let headers: Record<string, string> = {};
  /** Flows and sources the tests changed: their last event must show what REST shows. */
  const touchedFlows = new Set<string>();
  const touchedSources = new Set<string>();

  beforeAll(async () => {
    if (backend === 'postgres') database = await createTestDatabase('tams_optional');
    const config = loadConfig({
      TAMS_DATA_DIR: dir,
      TAMS_PORT: '0',
      TAMS_LOG_LEVEL: 'silent',
      TAMS_WEBHOOK_ALLOW_PRIVATE: 'true',
      ...(database ? { TAMS_DATABASE_URL: database.url } : {}),
    });
    service = await startService(config, 'embedded', { log: createLogger('silent'), version: 'test' });
    headers = bearer(await createToken(config.database));
    receiver = await WebhookReceiver.start();
    const events = ['flows/created', 'flows/updated', 'sources/created', 'sources/updated'];
    expect((await rest('POST', '/service/webhooks', { url: receiver.url(), events })).status).toBe(201);
  });
  afterAll(async () => {
    await service?.close();
    await receiver?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const rest = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${service!.url}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  };
  const put = async (flow: FlowBody, status: number) => {
    touchedFlows.add(flow.id);
    touchedSources.add(flow.source_id);
    const r = await rest('PUT', `/flows/${flow.id}`, flow);
    expect(r.status, JSON.stringify(r.body)).toBe(status);
    return r.body as Json;
  };
  const getJson = async (path: string) => {
    const r = await rest('GET', path);
    expect(r.status, `GET ${path}`).toBe(200);
    return r.body as Json;
  };
  const send = async (method: string, path: string, body: unknown, status = 204) => {
    const r = await rest(method, path, body);
    expect(r.status, `${method} ${path} ${JSON.stringify(r.body)}`).toBe(status);
  };
  const graphql = async <T>(query: string, variables: Json) => {
    const r = await rest('POST', '/graphql', { query, variables });
    expect(r.status).toBe(200);
    const result = r.body as { data: T; errors?: unknown };
    expect(result.errors).toBeUndefined();
    return result.data;
  };

  it('a flow PUT without them gets none back: the 201 body, GET, the listing and its source', async () => {
    const body = videoFlow({ label: 'only a label' });
    const created = await put(body, 201);
    const got = await getJson(`/flows/${body.id}`);
    const [listed] = (await rest('GET', `/flows?source_id=${body.source_id}`)).body as Json[];
    for (const flow of [created, got, listed!]) {
      expect(invented(flow, body, FLOW_MANAGED)).toEqual([]);
      expect(flow).not.toHaveProperty('read_only');
      expect(flow).not.toHaveProperty('tags');
    }
    const source = await getJson(`/sources/${body.source_id}`);
    expect(invented(source, {}, SOURCE_MANAGED)).toEqual([]);
    // The property endpoints still answer: no tags is {}, an unset read_only is writable (false).
    expect(await getJson(`/flows/${body.id}/tags`)).toEqual({});
    expect((await rest('GET', `/flows/${body.id}/read_only`)).body).toBe(false);
    expect((await rest('GET', `/flows/${body.id}/flow_collection`)).body).toEqual([]);
    expect(await getJson(`/sources/${body.source_id}/tags`)).toEqual({});
  });

  it('sent explicitly as false, {} and [] they come back; a replacing PUT without them unsets them', async () => {
    const explicit = { read_only: false, tags: {}, flow_collection: [], container_mapping: {} };
    const body = videoFlow(explicit);
    expect(await put(body, 201)).toMatchObject(explicit);
    const got = await getJson(`/flows/${body.id}`);
    expect(got).toMatchObject(explicit);
    expect(invented(got, body, FLOW_MANAGED)).toEqual([]);

    const replacement = videoFlow({ id: body.id, source_id: body.source_id });
    await put(replacement, 204);
    const replaced = await getJson(`/flows/${body.id}`);
    expect(invented(replaced, replacement, FLOW_MANAGED)).toEqual([]);
    for (const property of Object.keys(explicit)) expect(replaced).not.toHaveProperty(property);
  });

  it('tag endpoints change entries: the first PUT makes the map, the last DELETE leaves {}', async () => {
    const flow = videoFlow();
    await put(flow, 201);
    const tag = `/flows/${flow.id}/tags/genre`;
    await send('DELETE', tag, undefined, 404);
    expect(await getJson(`/flows/${flow.id}`)).not.toHaveProperty('tags');
    await send('PUT', tag, 'news');
    expect((await getJson(`/flows/${flow.id}`)).tags).toEqual({ genre: 'news' });
    await send('DELETE', tag, undefined);
    expect((await getJson(`/flows/${flow.id}`)).tags).toEqual({});
    expect(await getJson(`/flows/${flow.id}/tags`)).toEqual({});

    const sourceTag = `/sources/${flow.source_id}/tags/genre`;
    await send('PUT', sourceTag, 'sport');
    expect((await getJson(`/sources/${flow.source_id}`)).tags).toEqual({ genre: 'sport' });
    await send('DELETE', sourceTag, undefined);
    expect((await getJson(`/sources/${flow.source_id}`)).tags).toEqual({});
    // A tag named like an Object member is not there until it is set.
    await send('GET', `/flows/${flow.id}/tags/constructor`, undefined, 404);
    await send('GET', `/sources/${flow.source_id}/tags/constructor`, undefined, 404);
  });

  it('read_only: unset means writable; set through its endpoint it shows, and true is enforced', async () => {
    const flow = videoFlow();
    await put(flow, 201);
    await send('PUT', `/flows/${flow.id}/label`, 'writable while unset');
    await send('PUT', `/flows/${flow.id}/read_only`, false);
    expect((await getJson(`/flows/${flow.id}`)).read_only).toBe(false);
    await send('PUT', `/flows/${flow.id}/read_only`, true);
    expect((await getJson(`/flows/${flow.id}`)).read_only).toBe(true);
    await send('PUT', `/flows/${flow.id}/label`, 'refused', 403);
    await send('PUT', `/flows/${flow.id}`, flow, 403);
    await send('PUT', `/flows/${flow.id}/read_only`, false);
    // A full PUT that leaves read_only out unsets it: writable again, and not shown.
    await put(flow, 204);
    expect(await getJson(`/flows/${flow.id}`)).not.toHaveProperty('read_only');
    await send('PUT', `/flows/${flow.id}/label`, 'writable again');
  });

  it('flow_collection: PUT [] sets it empty, DELETE unsets it', async () => {
    const flow = { id: randomUUID(), source_id: randomUUID(), format: 'urn:x-nmos:format:multi' };
    await put(flow, 201);
    const path = `/flows/${flow.id}/flow_collection`;
    await send('PUT', path, []);
    expect((await getJson(`/flows/${flow.id}`)).flow_collection).toEqual([]);
    await send('DELETE', path, undefined);
    expect(await getJson(`/flows/${flow.id}`)).not.toHaveProperty('flow_collection');
    expect((await rest('GET', path)).body).toEqual([]);
  });

  it('GraphQL answers null for what was never set, and the values for what was', async () => {
    const unset = videoFlow();
    const explicit = videoFlow({ read_only: false, tags: {}, flow_collection: [] });
    await put(unset, 201);
    await put(explicit, 201);
    const query = `query($a: ID!, $b: ID!) {
      a: flow(id: $a) { readOnly tags { name } flowCollection { id } source { tags { name } } }
      b: flow(id: $b) { readOnly tags { name } flowCollection { id } }
    }`;
    expect(await graphql(query, { a: unset.id, b: explicit.id })).toEqual({
      a: { readOnly: null, tags: null, flowCollection: null, source: { tags: null } },
      b: { readOnly: false, tags: [], flowCollection: [] },
    });
  });

  it('segments, objects, webhooks and the service carry only what was set or what the store computes', async () => {
    const flow = videoFlow();
    await put(flow, 201);
    const objectId = `external-${randomUUID()}`;
    const url = `https://media.example.com/${objectId}`;
    await send(
      'POST',
      `/flows/${flow.id}/segments`,
      { object_id: objectId, timerange: '[0:0_1:0)', get_urls: [{ url }] },
      201,
    );
    const [segment] = (await rest('GET', `/flows/${flow.id}/segments`)).body as Json[];
    // ts_offset has a spec default ("assumed to be 0:0 if not set"), which the store keeps and returns;
    // `presigned` says what the store knows of the URL (unset would mean false too).
    expect(segment).toEqual({
      object_id: objectId,
      timerange: '[0:0_1:0)',
      ts_offset: '0:0',
      get_urls: [{ url, presigned: false }],
    });
    expect(await getJson(`/objects/${objectId}`)).toEqual({
      id: objectId,
      referenced_by_flows: [flow.id],
      first_referenced_by_flow: flow.id,
    });
    // Registered in beforeAll with url and events only.
    expect(await getJson('/service/webhooks')).toEqual([
      {
        url: receiver!.url(),
        events: ['flows/created', 'flows/updated', 'sources/created', 'sources/updated'],
      },
    ]);
    const service = await getJson('/service');
    expect(service).not.toHaveProperty('name');
    expect(service).not.toHaveProperty('description');
  });

  it('webhook payloads show each flow and source exactly as REST does', async () => {
    // Its own flows (the ones earlier tests touched are compared too): unset, explicit, tagged and untagged.
    await put(videoFlow(), 201);
    await put(videoFlow({ read_only: false, tags: {}, flow_collection: [], container_mapping: {} }), 201);
    const tagged = videoFlow({ tags: { a: '1' } });
    await put(tagged, 201);
    await send('PUT', `/sources/${tagged.source_id}/tags/k`, 'v');
    await send('DELETE', `/sources/${tagged.source_id}/tags/k`, undefined);
    await send('DELETE', `/flows/${tagged.id}/tags/a`, undefined);
    // Deliveries keep outbox order: once the marker's event arrived, every earlier one has too.
    const marker = videoFlow({ label: `marker ${randomUUID()}` });
    await put(marker, 201);
    const markerSeen = () =>
      receiver!.bodies().some((b) => (b.event as { flow?: Json }).flow?.label === marker.label);
    await receiver!.waitFor(markerSeen, 'the marker flow event', 60_000);

    const lastOf = (kind: 'flow' | 'source', id: string) =>
      receiver!
        .bodies()
        .map((b) => (b.event as Record<string, Json | undefined>)[kind])
        .filter((e): e is Json => e?.id === id)
        .at(-1);
    // segments_updated moves with segments, which are not metadata: no flows/updated says so (DIGEST §6.4).
    const metadata = ({ segments_updated: _, ...rest }: Json) => rest;
    for (const id of touchedFlows)
      expect(metadata(lastOf('flow', id)!), `flow ${id}`).toEqual(metadata(await getJson(`/flows/${id}`)));
    for (const id of touchedSources)
      expect(lastOf('source', id), `source ${id}`).toEqual(await getJson(`/sources/${id}`));
  });
});
