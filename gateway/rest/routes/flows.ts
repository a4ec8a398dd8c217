import type { RestContext } from '../context.js';
import { bitRateBody, booleanBody, flowCollectionInput, flowInput, parse, stringBody } from '../bodies.js';
import { DELETE_FLOW, FLOW, FLOWS, PUT_FLOW } from '../documents.js';
import { pagingHeaders } from '../paging.js';
import type { RestResponse, RouteDefinition } from '../router.js';
import { deleteRequestJson, flowJson, tagMap, tagValue } from '../to-tams-json.js';
import { noContent, notFound, ok, pathId, pathTagName } from './common.js';
import { formatFilter } from './filters.js';

type Flow = Record<string, unknown>;

async function loadFlow(ctx: RestContext, options: { withTimerange?: boolean } = {}): Promise<Flow> {
  const id = pathId(ctx.param('flowId'), 'flow');
  const within = options.withTimerange ? ctx.query.timerange('timerange') : undefined;
  const { flow } = await ctx.graphql.run<{ flow: Flow | null }>(FLOW, {
    id,
    withTimerange: options.withTimerange ?? false,
    within: within === undefined ? null : ctx.query.string('timerange'),
  });
  if (!flow) throw notFound(`flow ${id}`);
  return flow;
}

const flowId = (ctx: RestContext) => pathId(ctx.param('flowId'), 'flow');

/** A flow property behind GET/PUT/DELETE sub-resources, each change one GraphQL mutation. */
function property(options: {
  /** The value of the property in the flow (null or undefined when unset). */
  read: (flow: Flow, ctx: RestContext) => unknown;
  /** 7.0 answers 404 for an unset label; we do the same for the other optional values. */
  notFoundWhenUnset?: string;
  put?: (ctx: RestContext, body: unknown) => Promise<void>;
  remove?: (ctx: RestContext) => Promise<void>;
}): RouteDefinition['methods'] {
  const methods: RouteDefinition['methods'] = {
    GET: async (ctx) => {
      const value = options.read(await loadFlow(ctx), ctx);
      if ((value === null || value === undefined) && options.notFoundWhenUnset)
        throw notFound(options.notFoundWhenUnset);
      return ok(value);
    },
  };
  if (options.put) {
    const put = options.put;
    methods.PUT = async (ctx) => {
      await put(ctx, await ctx.json());
      return noContent;
    };
  }
  if (options.remove) {
    const remove = options.remove;
    methods.DELETE = async (ctx) => {
      await remove(ctx);
      return noContent;
    };
  }
  return methods;
}

function textProperty(field: 'label' | 'description'): RouteDefinition['methods'] {
  const mutation = `mutation($id: ID!, $v: String) { setFlow${field === 'label' ? 'Label' : 'Description'}(id: $id, ${field}: $v) { id } }`;
  return property({
    read: (flow) => flow[field],
    notFoundWhenUnset: `the ${field} of this flow`,
    put: async (ctx, body) =>
      void (await ctx.graphql.run(mutation, { id: flowId(ctx), v: parse(stringBody, body, field) })),
    remove: async (ctx) => void (await ctx.graphql.run(mutation, { id: flowId(ctx), v: null })),
  });
}

function bitRate(kind: 'AVERAGE' | 'MAXIMUM'): RouteDefinition['methods'] {
  const mutation =
    'mutation($id: ID!, $k: BitRateKind!, $v: Int) { setFlowBitRate(id: $id, kind: $k, value: $v) { id } }';
  const field = kind === 'AVERAGE' ? 'avgBitRate' : 'maxBitRate';
  return property({
    read: (flow) => flow[field],
    notFoundWhenUnset: `the ${kind === 'AVERAGE' ? 'avg_bit_rate' : 'max_bit_rate'} of this flow`,
    put: async (ctx, body) =>
      void (await ctx.graphql.run(mutation, {
        id: flowId(ctx),
        k: kind,
        v: parse(bitRateBody, body, 'bit rate'),
      })),
    remove: async (ctx) => void (await ctx.graphql.run(mutation, { id: flowId(ctx), k: kind, v: null })),
  });
}

const SET_TAG =
  'mutation($id: ID!, $n: String!, $v: String) { setFlowTag(id: $id, name: $n, value: $v) { id } }';
const SET_COLLECTION =
  'mutation($id: ID!, $items: [FlowCollectionItemInput!]) { setFlowCollection(id: $id, items: $items) { id } }';

export function deletionResponse(
  ctx: RestContext,
  result: { done: boolean; request: Record<string, unknown> | null },
): RestResponse {
  if (result.done || !result.request) return noContent;
  // 7.0's example says /flow-delete-request/ (singular); the route is plural (DIGEST §12).
  return {
    status: 202,
    body: deleteRequestJson(result.request),
    headers: { location: `/flow-delete-requests/${String(result.request.id)}` },
  };
}

export const flowRoutes: RouteDefinition[] = [
  {
    path: '/flows',
    methods: {
      GET: async (ctx) => {
        const q = ctx.query;
        const timerange = q.timerange('timerange');
        const filter = {
          sourceId: q.uuid('source_id'),
          timerange: timerange === undefined ? undefined : q.string('timerange'),
          format: formatFilter(q),
          codec: q.string('codec'),
          label: q.string('label'),
          frameWidth: q.integer('frame_width', 0),
          frameHeight: q.integer('frame_height', 0),
          ...q.tagFilters(),
        };
        const { flows } = await ctx.graphql.run<{
          flows: { nodes: Flow[]; pageInfo: { endCursor: string | null; limit: number } };
        }>(FLOWS, { filter, limit: q.limit(), after: q.page() });
        return ok(
          flows.nodes.map(flowJson),
          pagingHeaders(ctx.publicUrl, ctx.path, q.raw, flows.pageInfo.limit, flows.pageInfo.endCursor),
        );
      },
    },
  },
  {
    path: '/flows/{flowId}',
    methods: {
      GET: async (ctx) => {
        const include = ctx.query.boolean('include_timerange') ?? false;
        ctx.query.timerange('timerange'); // validated even when the timerange is not returned
        const flow = await loadFlow(ctx, { withTimerange: include });
        return ok(flowJson(flow));
      },
      PUT: async (ctx) => {
        const id = flowId(ctx);
        const flow = flowInput(await ctx.json(), id);
        const { putFlow } = await ctx.graphql.run<{ putFlow: { created: boolean; flow: Flow } }>(PUT_FLOW, {
          id,
          flow,
        });
        return putFlow.created ? { status: 201, body: flowJson(putFlow.flow) } : noContent;
      },
      DELETE: async (ctx) => {
        const { deleteFlow } = await ctx.graphql.run<{
          deleteFlow: { done: boolean; request: Record<string, unknown> | null };
        }>(DELETE_FLOW, { id: flowId(ctx) });
        return deletionResponse(ctx, deleteFlow);
      },
    },
  },
  {
    path: '/flows/{flowId}/tags',
    methods: {
      // A flow whose tags were never set has none: {} (7.0 declares 404 only for a missing flow).
      GET: async (ctx) => ok(tagMap((await loadFlow(ctx)).tags) ?? {}),
    },
  },
  {
    path: '/flows/{flowId}/tags/{name}',
    methods: property({
      read: (flow, ctx) => tagValue(flow.tags, ctx.param('name')),
      notFoundWhenUnset: 'the tag',
      put: async (ctx, body) =>
        void (await ctx.graphql.run(SET_TAG, {
          id: flowId(ctx),
          n: pathTagName(ctx.param('name')),
          v: parse(stringBody, body, 'tag value'),
        })),
      remove: async (ctx) =>
        void (await ctx.graphql.run(SET_TAG, {
          id: flowId(ctx),
          n: pathTagName(ctx.param('name')),
          v: null,
        })),
    }),
  },
  { path: '/flows/{flowId}/description', methods: textProperty('description') },
  { path: '/flows/{flowId}/label', methods: textProperty('label') },
  {
    path: '/flows/{flowId}/read_only',
    methods: property({
      // Unset means writable: the property endpoint answers false (its 404 is for a missing flow only).
      read: (flow) => flow.readOnly ?? false,
      put: async (ctx, body) =>
        void (await ctx.graphql.run(
          'mutation($id: ID!, $v: Boolean!) { setFlowReadOnly(id: $id, readOnly: $v) { id } }',
          {
            id: flowId(ctx),
            v: parse(booleanBody, body, 'read_only'),
          },
        )),
    }),
  },
  {
    path: '/flows/{flowId}/flow_collection',
    methods: property({
      read: (flow) => flowJson(flow).flow_collection ?? [],
      put: async (ctx, body) =>
        void (await ctx.graphql.run(SET_COLLECTION, { id: flowId(ctx), items: flowCollectionInput(body) })),
      remove: async (ctx) => void (await ctx.graphql.run(SET_COLLECTION, { id: flowId(ctx), items: null })),
    }),
  },
  { path: '/flows/{flowId}/max_bit_rate', methods: bitRate('MAXIMUM') },
  { path: '/flows/{flowId}/avg_bit_rate', methods: bitRate('AVERAGE') },
];
