import {
  DeleteFlowDocument,
  FlowCollectionDocument,
  FlowDocument,
  FlowPropertiesDocument,
  FlowsDocument,
  FlowTagDocument,
  PutFlowDocument,
  SetFlowBitRateDocument,
  SetFlowCollectionDocument,
  SetFlowDescriptionDocument,
  SetFlowLabelDocument,
  SetFlowReadOnlyDocument,
  SetFlowTagDocument,
} from '../__generated__/operations.js';
import type { DeletionResultFieldsFragment, FlowPropertiesQuery } from '../__generated__/operations.js';
import { bitRateBody, booleanBody, flowCollectionInput, flowInput, parse, stringBody } from '../bodies.js';
import type { RestContext } from '../context.js';
import { pagingHeaders } from '../paging.js';
import type { RestHandler, RestResponse, RouteDefinition } from '../router.js';
import { FORMAT } from '../tams-vocabulary.js';
import { deleteRequestJson, flowCollectionJson, flowJson, tagMap } from '../to-tams-json.js';
import { noContent, notFound, ok, pathId, pathTagName } from './common.js';

const flowId = (ctx: RestContext) => pathId(ctx.param('flowId'), 'flow');

type FlowProperties = NonNullable<FlowPropertiesQuery['flow']>;

/** The one-value properties of the path's flow (label, read_only, ...); 404 when there is no flow. */
async function loadProperties(ctx: RestContext): Promise<FlowProperties> {
  const id = flowId(ctx);
  const { flow } = await ctx.graphql.run(FlowPropertiesDocument, { flowId: id });
  if (!flow) throw notFound(`flow ${id}`);
  return flow;
}

/** GET of an optional flow property: 7.0 answers 404 for an unset label; so do we for the others. */
function getProperty(read: (flow: FlowProperties) => unknown, unset: string): RestHandler {
  return async (ctx) => {
    const value = read(await loadProperties(ctx));
    if (value === null) throw notFound(unset);
    return ok(value);
  };
}

/** PUT of a property: its JSON body is read first (as every PUT), then the mutation runs; 204. */
const put =
  (apply: (ctx: RestContext, body: unknown) => Promise<unknown>): RestHandler =>
  async (ctx) => {
    await apply(ctx, await ctx.json());
    return noContent;
  };

/** DELETE of a property: one mutation; 204. */
const remove =
  (apply: (ctx: RestContext) => Promise<unknown>): RestHandler =>
  async (ctx) => {
    await apply(ctx);
    return noContent;
  };

function textProperty(field: 'label' | 'description'): RouteDefinition['methods'] {
  const set = (ctx: RestContext, id: string, value: string | null) =>
    field === 'label'
      ? ctx.graphql.run(SetFlowLabelDocument, { flowId: id, label: value })
      : ctx.graphql.run(SetFlowDescriptionDocument, { flowId: id, description: value });
  return {
    GET: getProperty((flow) => flow[field], `the ${field} of this flow`),
    PUT: put((ctx, body) => set(ctx, flowId(ctx), parse(stringBody, body, field))),
    DELETE: remove((ctx) => set(ctx, flowId(ctx), null)),
  };
}

function bitRate(property: 'avg_bit_rate' | 'max_bit_rate'): RouteDefinition['methods'] {
  const kind = property === 'avg_bit_rate' ? 'AVERAGE' : 'MAXIMUM';
  const set = (ctx: RestContext, id: string, value: number | null) =>
    ctx.graphql.run(SetFlowBitRateDocument, { flowId: id, kind, bit_rate: value });
  return {
    GET: getProperty(
      (flow) => (kind === 'AVERAGE' ? flow.avgBitRate : flow.maxBitRate),
      `the ${property} of this flow`,
    ),
    PUT: put((ctx, body) => set(ctx, flowId(ctx), parse(bitRateBody, body, property))),
    DELETE: remove((ctx) => set(ctx, flowId(ctx), null)),
  };
}

export function deletionResponse(result: DeletionResultFieldsFragment): RestResponse {
  if (result.done || !result.request) return noContent;
  // 7.0's example says /flow-delete-request/ (singular); the route is plural (DIGEST §12).
  return {
    status: 202,
    body: deleteRequestJson(result.request),
    headers: { location: `/flow-delete-requests/${result.request.id}` },
  };
}

export const flowRoutes: RouteDefinition[] = [
  {
    path: '/flows',
    methods: {
      GET: async (ctx) => {
        const q = ctx.query;
        const { flows } = await ctx.graphql.run(FlowsDocument, {
          source_id: q.string('source_id'),
          timerange: q.string('timerange'),
          format: q.spelling('format', FORMAT),
          codec: q.string('codec'),
          label: q.string('label'),
          frame_width: q.integer('frame_width'),
          frame_height: q.integer('frame_height'),
          ...q.tagFilters(),
          limit: q.limit(),
          page: q.page(),
        });
        return ok(
          flows.nodes.map((f) => flowJson(f)),
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
        const id = flowId(ctx);
        // The timerange parameter is checked (by its scalar) even when the timerange is not returned.
        const { flow } = await ctx.graphql.run(FlowDocument, {
          flowId: id,
          include_timerange: include,
          timerange: ctx.query.string('timerange'),
        });
        if (!flow) throw notFound(`flow ${id}`);
        return ok(flowJson(flow));
      },
      PUT: async (ctx) => {
        const id = flowId(ctx);
        const flow = flowInput(await ctx.json(), id);
        const { putFlow } = await ctx.graphql.run(PutFlowDocument, { flowId: id, flow });
        return putFlow.created ? { status: 201, body: flowJson(putFlow.flow) } : noContent;
      },
      DELETE: async (ctx) => {
        const { deleteFlow } = await ctx.graphql.run(DeleteFlowDocument, { flowId: flowId(ctx) });
        return deletionResponse(deleteFlow);
      },
    },
  },
  {
    path: '/flows/{flowId}/tags',
    methods: {
      // A flow whose tags were never set has none: {} (7.0 declares 404 only for a missing flow).
      GET: async (ctx) => ok(tagMap((await loadProperties(ctx)).tags) ?? {}),
    },
  },
  {
    path: '/flows/{flowId}/tags/{name}',
    methods: {
      GET: async (ctx) => {
        const id = flowId(ctx);
        const { flow } = await ctx.graphql.run(FlowTagDocument, { flowId: id, name: ctx.param('name') });
        if (!flow) throw notFound(`flow ${id}`);
        if (flow.tag === null) throw notFound('the tag');
        return ok(flow.tag);
      },
      PUT: put((ctx, body) =>
        ctx.graphql.run(SetFlowTagDocument, {
          flowId: flowId(ctx),
          name: pathTagName(ctx.param('name')),
          value: parse(stringBody, body, 'tag value'),
        }),
      ),
      DELETE: remove((ctx) =>
        ctx.graphql.run(SetFlowTagDocument, {
          flowId: flowId(ctx),
          name: pathTagName(ctx.param('name')),
          value: null,
        }),
      ),
    },
  },
  { path: '/flows/{flowId}/description', methods: textProperty('description') },
  { path: '/flows/{flowId}/label', methods: textProperty('label') },
  {
    path: '/flows/{flowId}/read_only',
    methods: {
      // Unset means writable: the property endpoint answers false (its 404 is for a missing flow only).
      GET: async (ctx) => ok((await loadProperties(ctx)).readOnly ?? false),
      PUT: put((ctx, body) =>
        ctx.graphql.run(SetFlowReadOnlyDocument, {
          flowId: flowId(ctx),
          read_only: parse(booleanBody, body, 'read_only'),
        }),
      ),
    },
  },
  {
    path: '/flows/{flowId}/flow_collection',
    methods: {
      GET: async (ctx) => {
        const id = flowId(ctx);
        const { flow } = await ctx.graphql.run(FlowCollectionDocument, { flowId: id });
        if (!flow) throw notFound(`flow ${id}`);
        return ok(flowCollectionJson(flow.flowCollection ?? []));
      },
      PUT: put((ctx, body) =>
        ctx.graphql.run(SetFlowCollectionDocument, {
          flowId: flowId(ctx),
          flow_collection: flowCollectionInput(body),
        }),
      ),
      DELETE: remove((ctx) =>
        ctx.graphql.run(SetFlowCollectionDocument, { flowId: flowId(ctx), flow_collection: null }),
      ),
    },
  },
  { path: '/flows/{flowId}/max_bit_rate', methods: bitRate('max_bit_rate') },
  { path: '/flows/{flowId}/avg_bit_rate', methods: bitRate('avg_bit_rate') },
];
