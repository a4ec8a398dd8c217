import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { ConformanceClient, ConformanceResponse, QueryValue } from '../conformance-client.js';
import { nextLinks, parseLinkHeader } from '../paging-headers.js';
import { p, stripBasePath } from '../path-matching.js';
import type { HttpMethod, JsonObject, Spec } from '../spec.js';

/**
 * Fixtures the families share. First, Flows as typed 7.0 JSON, the run tag, paged listings and refused
 * bodies, for flows, sources and flow-properties (all three need Flows, and Sources only exist through
 * Flows). Then video Flows by id and their segments, for segments, storage, objects and deletion.
 */

/** A Flow as 7.0 JSON (S:flow.json); only the members the assertions read are typed. */
export interface Flow {
  readonly id: string;
  readonly source_id: string;
  readonly format: string;
  readonly codec?: string;
  readonly label?: string;
  readonly description?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly read_only?: boolean;
  readonly created?: string;
  readonly metadata_updated?: string;
  readonly metadata_version?: string;
  readonly segments_updated?: string;
  readonly timerange?: string;
  readonly essence_parameters?: JsonObject;
  readonly flow_collection?: readonly CollectionItem[];
  readonly collected_by?: readonly string[];
  readonly [property: string]: unknown;
}

export interface CollectionItem {
  readonly id: string;
  readonly role: string;
  readonly container_mapping?: JsonObject;
}

export type FlowFormat = 'video' | 'audio' | 'image' | 'data' | 'multi';

export const FORMAT_URN: Readonly<Record<FlowFormat, string>> = {
  video: 'urn:x-nmos:format:video',
  audio: 'urn:x-nmos:format:audio',
  image: 'urn:x-tam:format:image',
  data: 'urn:x-nmos:format:data',
  multi: 'urn:x-nmos:format:multi',
};

/**
 * Every listing a test makes is narrowed to its own items with this tag (`tag.conformance_run=<uuid>`),
 * because all families of a run share one store and other tests create Flows and Sources too.
 */
export const RUN_TAG = 'conformance_run';
export const runQuery = (run: string): Record<string, string> => ({ [`tag.${RUN_TAG}`]: run });

/** A tag name to percent-encode in a path or a query key (`/`, space, `%`, `&`, `=`, `+`, `ä`), with a dot. */
export const AWKWARD_TAG = 'conformance.tag/ä %&=+';

/**
 * Tag names a store may refuse to hold (a control character, great length); 7.0 sets no rule. Refused
 * in a path, they are "the tag name in the path is invalid": 404, where 7.0 keeps 400 for bad values.
 */
export const REFUSABLE_TAG_NAMES: readonly string[] = ['bad\u0001name', 'long'.repeat(1000)];

/** The smallest valid PUT body of each format (DIGEST §4.1), fresh ids, `fields` merged over it. */
export function newFlow(format: FlowFormat, fields: Partial<Flow> = {}): Flow {
  const essence: Record<FlowFormat, JsonObject | undefined> = {
    video: { frame_width: 1920, frame_height: 1080 },
    audio: { sample_rate: 48000, channels: 2 },
    image: { frame_width: 1280, frame_height: 720 },
    data: { data_type: 'urn:x-tams:data:subtitle' },
    multi: undefined,
  };
  const codec: Record<FlowFormat, string | undefined> = {
    video: 'video/h264',
    audio: 'audio/aac',
    image: 'image/jpeg',
    data: 'application/ttml+xml',
    multi: undefined,
  };
  return {
    id: randomUUID(),
    source_id: randomUUID(),
    format: FORMAT_URN[format],
    ...(codec[format] === undefined ? {} : { codec: codec[format] }),
    // A container lets the segments POST in the timerange tests succeed (7.0: 400 without one).
    ...(format === 'multi' ? {} : { container: format === 'image' ? 'image/jpeg' : 'video/mp2t' }),
    ...(essence[format] === undefined ? {} : { essence_parameters: essence[format] }),
    ...fields,
  };
}

/** PUTs a new Flow, requiring 201 and the stored Flow back (DIGEST §4.2). */
export async function createFlow(client: ConformanceClient, body: Flow): Promise<Flow> {
  const created = await client.put<Flow>(p`/flows/${body.id}`, { body, expectStatus: 201 });
  expect(created.body.id).toBe(body.id);
  return created.body;
}

export async function getFlow(client: ConformanceClient, id: string): Promise<Flow> {
  return (await client.get<Flow>(p`/flows/${id}`, { expectStatus: 200 })).body;
}

/**
 * Walks a paged listing (GET, with its HEAD twin on every page) by following `Link: rel="next"` until
 * the last page. The client already checks that each next link keeps the filters and the limit.
 */
export async function listAll<T>(
  client: ConformanceClient,
  path: string,
  query: Readonly<Record<string, QueryValue>>,
): Promise<{ items: T[]; pages: ConformanceResponse<T[]>[] }> {
  const pages: ConformanceResponse<T[]>[] = [];
  let next: { path: string; query: Readonly<Record<string, QueryValue>> } | undefined = { path, query };
  while (next) {
    if (pages.length >= 100) throw new Error(`${path}: more than 100 pages; is the next link looping?`);
    const { get } = await client.expectHeadMatchesGet<T[]>(next.path, {
      query: next.query,
      expectStatus: 200,
    });
    pages.push(get);
    next = nextPage(client, get);
  }
  return { items: pages.flatMap((page) => page.body), pages };
}

function nextPage(client: ConformanceClient, response: ConformanceResponse<unknown>) {
  const link = response.headers.get('link');
  const next = link === null ? undefined : nextLinks(parseLinkHeader(link))[0];
  if (!next) return undefined;
  const url = new URL(next.target, response.url);
  const path = stripBasePath(client.baseUrl.pathname, url.pathname);
  if (path === undefined) throw new Error(`Link rel="next" leaves the store: ${next.target}`);
  const query: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) (query[name] ??= []).push(value);
  return { path, query };
}

/** Sends a body the spec itself rejects (checked first, so a 400 is the spec's, not the store's). */
export async function expectRefusedBody(
  client: ConformanceClient,
  spec: Spec,
  method: HttpMethod,
  template: string,
  path: string,
  bodies: readonly unknown[],
) {
  const validate = spec.operation(method, template)!.requestBody!.validate;
  for (const body of bodies) {
    expect(validate(body), JSON.stringify(body)).toBe(false);
    await client.request(method, path, { body, expectStatus: 400 });
  }
  await client.request(method, path, { rawBody: '"unterminated', expectStatus: 400 });
}

/** Sorted ids, to compare listings as sets (7.0 fixes no order for Flows and Sources). */
export const idsOf = (items: readonly { readonly id: string }[]): string[] => items.map((i) => i.id).sort();

/** Flows and segments the families of segments, storage, objects and deletion build on. */

function videoFlowBody(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    source_id: randomUUID(),
    format: 'urn:x-nmos:format:video',
    codec: 'video/h264',
    container: 'video/mp2t',
    essence_parameters: { frame_width: 1920, frame_height: 1080, frame_rate: { numerator: 25 } },
    ...overrides,
  };
}

/** PUTs a new video Flow (`overrides` merged over a valid body), requiring 201; returns its id. */
export async function createVideoFlowId(
  client: ConformanceClient,
  overrides: Record<string, unknown> = {},
): Promise<string> {
  const id = randomUUID();
  await client.put(p`/flows/${id}`, { body: videoFlowBody(id, overrides), expectStatus: 201 });
  return id;
}

export async function allocate(client: ConformanceClient, flowId: string, limit: number): Promise<string[]> {
  const r = await client.post<{ media_objects: { object_id: string }[] }>(p`/flows/${flowId}/storage`, {
    body: { limit },
    expectStatus: 201,
  });
  return r.body.media_objects.map((o) => o.object_id);
}

/** Registers `[s:0_s+1:0)` for each second s, each on a new object. Returns the object ids. */
export async function addSeconds(
  client: ConformanceClient,
  flowId: string,
  seconds: readonly number[],
): Promise<string[]> {
  const objects = await allocate(client, flowId, seconds.length);
  await client.post(p`/flows/${flowId}/segments`, {
    body: seconds.map((s, i) => ({ object_id: objects[i], timerange: `[${s}:0_${s + 1}:0)` })),
    expectStatus: 201,
  });
  return objects;
}
