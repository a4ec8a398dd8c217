/**
 * What every k6 script of the suite needs: where the store is and how to authenticate (`__ENV`), answers
 * checked with the shared checks, GraphQL over HTTP, and the seeding each script's setup() does so it
 * runs against any deployment, empty or not (it creates its own flows with fresh ids).
 */
import { check, fail } from 'k6';
import http from 'k6/http';
import type { RefinedResponse, ResponseType } from 'k6/http';
import type { Answer, Checks } from './scenarios.ts';
import {
  ALLOCATION_CHUNK,
  allocatedObjects,
  CHECKS,
  flowBody,
  segmentBatch,
  storagePath,
  segmentsPath,
} from './scenarios.ts';

/** The store's base URL (no trailing slash), e.g. https://tams.example.com. */
export const BASE_URL = (__ENV.TAMS_URL ?? 'http://127.0.0.1:8000').replace(/\/+$/, '');
/** The WebSocket URL of GraphQL (graphql-ws). */
export const WS_URL = `${BASE_URL.replace(/^http/, 'ws')}/graphql`;
/** A token with the read and write scopes (`tams token create --scopes read,write`). */
export const TOKEN = __ENV.TAMS_TOKEN ?? '';

export const authHeaders = (): Record<string, string> => (TOKEN ? { authorization: `Bearer ${TOKEN}` } : {});
export const jsonHeaders = () => ({ ...authHeaders(), 'content-type': 'application/json' });

/** k6's response as the shared checks see it (header names in any case). */
export function answer(res: RefinedResponse<ResponseType | undefined>): Answer {
  return {
    status: res.status,
    body: typeof res.body === 'string' ? res.body : '',
    header: (name) => {
      const wanted = name.toLowerCase();
      for (const [key, value] of Object.entries(res.headers)) if (key.toLowerCase() === wanted) return value;
      return undefined;
    },
  };
}

/** Runs the named checks on a response; true when all pass. */
export function checkAnswer(
  res: RefinedResponse<ResponseType | undefined>,
  checks: Checks,
  tags?: Record<string, string>,
): boolean {
  const a = answer(res);
  const sets: Record<string, () => boolean> = {};
  for (const [name, predicate] of Object.entries(checks)) sets[name] = () => predicate(a);
  return check(null, sets, tags);
}

export const get = (path: string, tags: Record<string, string> = {}) =>
  http.get(`${BASE_URL}${path}`, { headers: authHeaders(), tags });

export const postJson = (path: string, body: unknown, tags: Record<string, string> = {}) =>
  http.post(`${BASE_URL}${path}`, JSON.stringify(body), { headers: jsonHeaders(), tags });

export const graphql = (
  query: string,
  variables: Record<string, unknown>,
  tags: Record<string, string> = {},
) => postJson('/graphql', { query, variables }, { ...tags, endpoint: 'graphql' });

/** Setup only: a request that must succeed, or the run stops with what failed. */
function must(
  res: RefinedResponse<ResponseType | undefined>,
  status: number,
  what: string,
): RefinedResponse<ResponseType | undefined> {
  if (res.status !== status)
    fail(
      `${what}: expected ${status}, got ${res.status} ${typeof res.body === 'string' ? res.body.slice(0, 300) : ''} (${res.error})`,
    );
  return res;
}

/** A UUID v4 (k6 has no crypto.randomUUID in every version; this is only for test ids). */
export function uuid(): string {
  return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (c) => {
    const r = Math.floor(Math.random() * 16);
    return (c === 'x' ? r : (r & 0x3) | 0x8).toString(16);
  });
}

/** Creates a flow (with its source). */
export function createFlow(label: string): string {
  const id = uuid();
  must(
    http.put(`${BASE_URL}/flows/${id}`, JSON.stringify(flowBody(id, uuid(), label)), {
      headers: jsonHeaders(),
    }),
    201,
    `PUT /flows/${id}`,
  );
  return id;
}

/** Allocates `count` objects for the flow; their ids and upload URLs. */
export function allocate(flowId: string, count: number, tags: Record<string, string> = {}) {
  const res = postJson(storagePath(flowId), { limit: count }, tags);
  if (!checkAnswer(res, CHECKS.allocation, tags)) return [];
  return allocatedObjects(answer(res));
}

/**
 * Gives a flow `segments` one-second segments from index `first` on, each on its own allocated object
 * (registered without uploading: the index is what the read journeys measure).
 */
export function seedSegments(flowId: string, segments: number, first = 0): string[] {
  const objectIds: string[] = [];
  for (let done = 0; done < segments; done += ALLOCATION_CHUNK) {
    const count = Math.min(ALLOCATION_CHUNK, segments - done);
    const res = must(postJson(storagePath(flowId), { limit: count }), 201, `POST ${storagePath(flowId)}`);
    const ids = allocatedObjects(answer(res)).map((o) => o.objectId);
    must(
      postJson(segmentsPath(flowId), segmentBatch(ids, first + done)),
      201,
      `POST ${segmentsPath(flowId)}`,
    );
    objectIds.push(...ids);
  }
  return objectIds;
}
