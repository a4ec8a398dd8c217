import { validateUuid } from '../../../lib/tams/index.js';
import { DEFAULT_LIMITS } from '../../../subgraphs/media/domain/store.js';
import type { ErrorCode } from '../../error-codes.js';
import { HttpError } from '../../http/errors.js';
import type { RestContext } from '../context.js';
import { segmentInput } from '../bodies.js';
import { ADD_SEGMENTS, DELETE_SEGMENTS, SEGMENTS } from '../documents.js';
import { pagingHeaders } from '../paging.js';
import type { RouteDefinition } from '../router.js';
import { segmentJson } from '../tams-json.js';
import { deletionResponse } from './flows.js';
import { pathId } from './common.js';

type Connection = {
  nodes: Record<string, unknown>[];
  pageInfo: { endCursor: string | null; limit: number };
  timerange: string;
};

async function listSegments(ctx: RestContext) {
  const id = pathId(ctx.param('flowId'), 'flow');
  const q = ctx.query;
  q.timerange('timerange');
  const storageIds = q.list('accept_storage_ids');
  for (const s of storageIds ?? [])
    if (!validateUuid(s).ok)
      throw new HttpError(
        400,
        'BAD_REQUEST',
        `query parameter accept_storage_ids: ${JSON.stringify(s.slice(0, 60))} is not a UUID`,
      );
  const reverse = q.boolean('reverse_order') ?? false;
  const verbose = q.boolean('verbose_storage') ?? false;
  const { flow } = await ctx.graphql.run<{ flow: { segments: Connection } | null }>(SEGMENTS, {
    id,
    timerange: q.string('timerange') ?? null,
    objectId: q.string('object_id') ?? null,
    reverse,
    limit: q.limit() ?? null,
    after: q.page() ?? null,
    labels: q.list('accept_get_urls') ?? null,
    // 7.0: accept_storage_ids that is empty means no filtering.
    storageIds: storageIds?.length ? storageIds : null,
    presigned: q.boolean('presigned') ?? null,
  });
  // 7.0: segments of a flow that does not exist are an empty list, not a 404 (DIGEST §6.2).
  const segments: Connection = flow?.segments ?? {
    nodes: [],
    pageInfo: {
      endCursor: null,
      limit: Math.min(q.limit() ?? DEFAULT_LIMITS.defaultPageSize, DEFAULT_LIMITS.maxPageSize),
    },
    timerange: '()',
  };
  return {
    status: 200,
    body: segments.nodes.map((s) => segmentJson(s, verbose)),
    headers: {
      ...pagingHeaders(ctx.publicUrl, ctx.path, q.raw, segments.pageInfo.limit, segments.pageInfo.endCursor),
      'x-paging-count': String(segments.nodes.length),
      'x-paging-reverse-order': String(reverse),
      'x-paging-timerange': segments.timerange,
    },
  };
}

interface Failure {
  index: number;
  object_id: string;
  timerange?: string;
  error: { type: string; summary: string; time: string };
}

/** POST one segment (atomic: 201 or 400) or an array (not atomic: 201, or 200 listing what failed). */
async function addSegments(ctx: RestContext) {
  const id = pathId(ctx.param('flowId'), 'flow');
  const body = await ctx.json();
  const single = !Array.isArray(body);
  if (single && (typeof body !== 'object' || body === null))
    throw new HttpError(400, 'BAD_REQUEST', 'the body must be a segment object or an array of them');
  const items: unknown[] = single ? [body] : (body as unknown[]);
  const time = new Date().toISOString();
  const failures: Failure[] = [];
  const inputs: { index: number; input: Record<string, unknown> }[] = [];
  items.forEach((item, index) => {
    const parsed = segmentInput(item);
    if (parsed.ok) inputs.push({ index, input: parsed.input });
    else {
      const raw = (typeof item === 'object' && item !== null ? item : {}) as {
        object_id?: unknown;
        timerange?: unknown;
      };
      failures.push({
        index,
        object_id: typeof raw.object_id === 'string' ? raw.object_id : '',
        ...(typeof raw.timerange === 'string' ? { timerange: raw.timerange } : {}),
        error: { type: 'BAD_REQUEST', summary: parsed.message, time },
      });
    }
  });
  if (single && failures.length) throw new HttpError(400, 'BAD_REQUEST', failures[0]!.error.summary);
  // Sent even when every item is malformed: the flow's existence, read-only state and container still decide the status.
  const { addSegments } = await ctx.graphql.run<{
    addSegments: {
      failed: {
        index: number;
        objectId: string;
        timerange: string | null;
        error: { type: string; summary: string; time: string };
      }[];
    };
  }>(ADD_SEGMENTS, { id, segments: inputs.map((i) => i.input) });
  for (const f of addSegments.failed)
    failures.push({
      index: inputs[f.index]!.index,
      object_id: f.objectId,
      ...(f.timerange === null ? {} : { timerange: f.timerange }),
      error: f.error,
    });
  if (failures.length === 0) return { status: 201 };
  // The failure types are the domain's error codes (or BAD_REQUEST, above).
  if (single) throw new HttpError(400, failures[0]!.error.type as ErrorCode, failures[0]!.error.summary);
  failures.sort((a, b) => a.index - b.index);
  return { status: 200, body: { failed_segments: failures.map(({ index: _index, ...f }) => f) } };
}

export const segmentRoutes: RouteDefinition[] = [
  {
    path: '/flows/{flowId}/segments',
    methods: {
      GET: listSegments,
      POST: addSegments,
      DELETE: async (ctx) => {
        const id = pathId(ctx.param('flowId'), 'flow');
        ctx.query.timerange('timerange');
        const { deleteSegments } = await ctx.graphql.run<{
          deleteSegments: { done: boolean; request: Record<string, unknown> | null };
        }>(DELETE_SEGMENTS, {
          id,
          timerange: ctx.query.string('timerange') ?? null,
          objectId: ctx.query.string('object_id') ?? null,
        });
        return deletionResponse(ctx, deleteSegments);
      },
    },
  },
];
