import { randomUUID } from 'node:crypto';

/**
 * The writes and reads the replica suites send, through REST (TAMS 7.0) and GraphQL, to any replica.
 * Every call returns what happened instead of throwing, so that a suite can count failed requests and
 * stale reads over a whole run and report the numbers, rather than stop at the first.
 */

/** What a caller needs of a replica: where it listens, and the credentials. */
export interface Target {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** A flow's state as this suite changes it: its label, and segments [k:0_k+1:0) for k < segments. */
export interface FlowState {
  readonly label: string;
  readonly segments: number;
}

/** A request that did not succeed: transport error, unexpected status, or a GraphQL error. */
export interface Failed {
  readonly ok: false;
  readonly what: string;
}

export type Outcome<T> = { readonly ok: true; readonly value: T } | Failed;

/** The segment k of every flow here: one second of the timeline, after the previous one. */
export const segmentRange = (k: number) => `[${k}:0_${k + 1}:0)`;

/** The flow timerange TAMS reports for `segments` contiguous segments from 0. */
export const flowTimerange = (segments: number) => `[0:0_${segments}:0)`;

async function call(
  target: Target,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; text: string; headers: Headers } | Failed> {
  try {
    const response = await fetch(`${target.url}${path}`, {
      method,
      headers: { ...target.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, text: await response.text(), headers: response.headers };
  } catch (error) {
    return { ok: false, what: `${method} ${path} on ${target.url}: ${(error as Error).message}` };
  }
}

/** The value of an outcome that must succeed (setup steps, single writes): throws what failed otherwise. */
export async function ok<T>(outcome: Promise<Outcome<T>>): Promise<T> {
  const o = await outcome;
  if (!o.ok) throw new Error(o.what);
  return o.value;
}

const isFailed = (r: unknown): r is Failed => (r as Failed).ok === false;

async function rest(
  target: Target,
  method: string,
  path: string,
  expected: number,
  body?: unknown,
): Promise<Outcome<{ text: string; headers: Headers }>> {
  const r = await call(target, method, path, body);
  if (isFailed(r)) return r;
  if (r.status !== expected)
    return {
      ok: false,
      what: `${method} ${path} on ${target.url}: ${r.status} (expected ${expected}): ${r.text.slice(0, 300)}`,
    };
  return { ok: true, value: r };
}

export async function graphql<T>(
  target: Target,
  query: string,
  variables: Record<string, unknown>,
): Promise<Outcome<T>> {
  const r = await call(target, 'POST', '/graphql', { query, variables });
  if (isFailed(r)) return r;
  let parsed: { data?: T; errors?: unknown[] };
  try {
    parsed = JSON.parse(r.text) as typeof parsed;
  } catch {
    return { ok: false, what: `GraphQL on ${target.url}: ${r.status}, not JSON: ${r.text.slice(0, 300)}` };
  }
  if (r.status !== 200 || parsed.errors?.length || parsed.data === undefined)
    return { ok: false, what: `GraphQL on ${target.url}: ${r.status} ${r.text.slice(0, 300)}` };
  return { ok: true, value: parsed.data };
}

/** Creates a video flow (REST PUT, 201) with the given label. */
export async function createFlow(target: Target, label: string): Promise<Outcome<string>> {
  const id = randomUUID();
  const r = await rest(target, 'PUT', `/flows/${id}`, 201, {
    id,
    source_id: randomUUID(),
    format: 'urn:x-nmos:format:video',
    codec: 'video/h264',
    container: 'video/mp2t',
    label,
    essence_parameters: { frame_width: 1280, frame_height: 720, frame_rate: { numerator: 25 } },
  });
  return r.ok ? { ok: true, value: id } : r;
}

/** Allocates one object for the flow (REST POST /flows/{id}/storage): its id and upload URL. */
export async function allocateObject(
  target: Target,
  flowId: string,
): Promise<Outcome<{ objectId: string; putUrl: string; contentType: string }>> {
  const r = await rest(target, 'POST', `/flows/${flowId}/storage`, 201, { limit: 1 });
  if (!r.ok) return r;
  const { media_objects: objects } = JSON.parse(r.value.text) as {
    media_objects: { object_id: string; put_url: { url: string; 'content-type': string } }[];
  };
  const [object] = objects;
  return {
    ok: true,
    value: {
      objectId: object!.object_id,
      putUrl: object!.put_url.url,
      contentType: object!.put_url['content-type'],
    },
  };
}

export type WriteKind = 'rest label' | 'graphql label' | 'rest segment' | 'graphql segment';
export const WRITE_KINDS: readonly WriteKind[] = [
  'rest label',
  'graphql label',
  'rest segment',
  'graphql segment',
];

/**
 * One write of `kind` to flow `flowId`, taking it from `before` to the returned state: a new label, or
 * the next segment (registering `objectId` again: a registered object may back many segments).
 */
export async function write(
  target: Target,
  kind: WriteKind,
  flowId: string,
  objectId: string,
  before: FlowState,
  label: string,
): Promise<Outcome<FlowState>> {
  switch (kind) {
    case 'rest label': {
      const r = await rest(target, 'PUT', `/flows/${flowId}/label`, 204, label);
      return r.ok ? { ok: true, value: { ...before, label } } : r;
    }
    case 'graphql label': {
      const r = await graphql<{ setFlowLabel: { label: string } }>(
        target,
        'mutation($id: ID!, $label: String) { setFlowLabel(id: $id, label: $label) { label } }',
        { id: flowId, label },
      );
      if (!r.ok) return r;
      if (r.value.setFlowLabel.label !== label)
        return {
          ok: false,
          what: `setFlowLabel answered ${JSON.stringify(r.value)}, expected label ${label}`,
        };
      return { ok: true, value: { ...before, label } };
    }
    case 'rest segment': {
      const r = await rest(target, 'POST', `/flows/${flowId}/segments`, 201, {
        object_id: objectId,
        timerange: segmentRange(before.segments),
      });
      return r.ok ? { ok: true, value: { ...before, segments: before.segments + 1 } } : r;
    }
    case 'graphql segment': {
      const r = await graphql<{ addSegments: { failed: unknown[] } }>(
        target,
        'mutation($id: ID!, $s: [SegmentInput!]!) { addSegments(flowId: $id, segments: $s) { failed { index error { type summary } } } }',
        { id: flowId, s: [{ objectId, timerange: segmentRange(before.segments) }] },
      );
      if (!r.ok) return r;
      if (r.value.addSegments.failed.length)
        return { ok: false, what: `addSegments failed: ${JSON.stringify(r.value.addSegments.failed)}` };
      return { ok: true, value: { ...before, segments: before.segments + 1 } };
    }
  }
}

export type ReadKind = 'rest flow' | 'graphql flow' | 'rest segments';
export const READ_KINDS: readonly ReadKind[] = ['rest flow', 'graphql flow', 'rest segments'];

/**
 * Reads flow `flowId` the `kind` way and compares what it shows with `expected`: the mismatches, each
 * as "field: seen (expected ...)"; none when the read is current. `rest segments` sees only the newest
 * segment (the window of the timeline), not the label.
 */
export async function readAndCompare(
  target: Target,
  kind: ReadKind,
  flowId: string,
  expected: FlowState,
): Promise<Outcome<string[]>> {
  const mismatches: string[] = [];
  const compare = (field: string, seen: unknown, want: unknown) => {
    if (seen !== want)
      mismatches.push(`${field}: ${JSON.stringify(seen)} (expected ${JSON.stringify(want)})`);
  };
  switch (kind) {
    case 'rest flow': {
      const r = await rest(target, 'GET', `/flows/${flowId}?include_timerange=true`, 200);
      if (!r.ok) return r;
      const flow = JSON.parse(r.value.text) as { label?: string; timerange?: string };
      compare('label', flow.label, expected.label);
      compare('timerange', flow.timerange, flowTimerange(expected.segments));
      break;
    }
    case 'graphql flow': {
      const r = await graphql<{
        flow: { label: string | null; timerange: string; stats: { segmentCount: number | string } } | null;
      }>(target, 'query($id: ID!) { flow(id: $id) { label timerange stats { segmentCount } } }', {
        id: flowId,
      });
      if (!r.ok) return r;
      if (!r.value.flow) return { ok: true, value: ['flow: null (expected the flow)'] };
      compare('label', r.value.flow.label, expected.label);
      compare('timerange', r.value.flow.timerange, flowTimerange(expected.segments));
      compare('segmentCount', Number(r.value.flow.stats.segmentCount), expected.segments);
      break;
    }
    case 'rest segments': {
      const r = await rest(target, 'GET', `/flows/${flowId}/segments?reverse_order=true&limit=1`, 200);
      if (!r.ok) return r;
      const [newest] = JSON.parse(r.value.text) as { timerange: string }[];
      compare('newest segment', newest?.timerange, segmentRange(expected.segments - 1));
      break;
    }
  }
  return { ok: true, value: mismatches };
}
