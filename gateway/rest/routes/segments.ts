import {
  AddSegmentsDocument,
  DeleteSegmentsDocument,
  SegmentsDocument,
} from '../__generated__/operations.js';
import type { SegmentInput } from '../__generated__/operations.js';
import { segmentInput } from '../bodies.js';
import type { RestContext } from '../context.js';
import { checkId } from '../../../subgraphs/media/domain/validation.js';
import { domainCheck, errorOfCode, restError } from '../errors.js';
import { pagingHeaders } from '../paging.js';
import type { RestResponse, RouteDefinition } from '../router.js';
import { segmentJson } from '../to-tams-json.js';
import { deletionResponse } from './flows.js';
import { pathId } from './common.js';

/** GET: segments of a flow that does not exist are an empty page, not a 404 (the domain's answer). */
async function listSegments(ctx: RestContext): Promise<RestResponse> {
  const q = ctx.query;
  const reverse = q.boolean('reverse_order') ?? false;
  const verbose = q.boolean('verbose_storage') ?? false;
  const storageIds = q.list('accept_storage_ids');
  // The domain checks these ids where a segment's get_urls are made (Segment.getUrls); a page without
  // segments makes none, and 7.0 wants the 400 all the same: the shim runs that check first.
  storageIds?.forEach((id, i) => domainCheck(() => checkId(id, `accept_storage_ids[${i}]`)));
  const { segments } = await ctx.graphql.run(SegmentsDocument, {
    flowId: pathId(ctx.param('flowId'), 'flow'),
    timerange: q.string('timerange'),
    object_id: q.string('object_id'),
    reverse_order: reverse,
    limit: q.limit(),
    page: q.page(),
    accept_get_urls: q.list('accept_get_urls'),
    // 7.0: accept_storage_ids that is empty means no filtering.
    accept_storage_ids: storageIds?.length ? storageIds : undefined,
    presigned: q.boolean('presigned'),
  });
  const { pageInfo } = segments;
  return {
    status: 200,
    body: segments.nodes.map((s) => segmentJson(s, verbose)),
    headers: {
      ...pagingHeaders(ctx.publicUrl, ctx.path, q.raw, pageInfo.limit, pageInfo.endCursor),
      'x-paging-count': String(segments.nodes.length),
      'x-paging-reverse-order': String(reverse),
      'x-paging-timerange': segments.timerange,
    },
  };
}

/** One item of the 7.0 bulk failure list (flow-segment-bulk-failure.json). */
interface Failure {
  index: number;
  object_id: string;
  timerange?: string;
  error: { type: string; summary: string; time: string };
}

/** The object_id and timerange of a body item that is not a segment, as far as it has them. */
function failureOf(item: unknown, index: number, summary: string, time: string): Failure {
  const raw = (typeof item === 'object' && item !== null ? item : {}) as {
    object_id?: unknown;
    timerange?: unknown;
  };
  return {
    index,
    object_id: typeof raw.object_id === 'string' ? raw.object_id : '',
    ...(typeof raw.timerange === 'string' ? { timerange: raw.timerange } : {}),
    error: { type: 'BAD_REQUEST', summary, time },
  };
}

/** POST one segment (atomic: 201 or 4xx) or an array (not atomic: 201, or 200 listing what failed). */
async function addSegments(ctx: RestContext): Promise<RestResponse> {
  const id = pathId(ctx.param('flowId'), 'flow');
  const body = await ctx.json();
  const single = !Array.isArray(body);
  if (single && (typeof body !== 'object' || body === null))
    throw restError('BAD_REQUEST', 'the body must be a segment object or an array of them');
  const items: unknown[] = single ? [body] : (body as unknown[]);
  const time = new Date().toISOString();
  const failures: Failure[] = [];
  const inputs: { index: number; input: SegmentInput }[] = [];
  items.forEach((item, index) => {
    const parsed = segmentInput(item);
    if (parsed.ok) inputs.push({ index, input: parsed.input });
    else failures.push(failureOf(item, index, parsed.message, time));
  });
  if (single && failures.length) throw restError('BAD_REQUEST', failures[0]!.error.summary);
  // Sent even when every item is malformed: the flow's existence, read-only state and container still decide the status.
  const { addSegments } = await ctx.graphql.run(AddSegmentsDocument, {
    flowId: id,
    segments: inputs.map((i) => i.input),
  });
  for (const f of addSegments.failed)
    failures.push({
      index: inputs[f.index]!.index,
      object_id: f.objectId,
      ...(f.timerange === null ? {} : { timerange: f.timerange }),
      error: f.error,
    });
  if (failures.length === 0) return { status: 201 };
  if (single) throw errorOfCode(failures[0]!.error.type, failures[0]!.error.summary);
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
        const { deleteSegments } = await ctx.graphql.run(DeleteSegmentsDocument, {
          flowId: pathId(ctx.param('flowId'), 'flow'),
          timerange: ctx.query.string('timerange'),
          object_id: ctx.query.string('object_id'),
        });
        return deletionResponse(deleteSegments);
      },
    },
  },
];
