import type { RestContext } from '../context.js';
import { parse, stringBody } from '../bodies.js';
import { SOURCE, SOURCES } from '../documents.js';
import { pagingHeaders } from '../paging.js';
import type { RouteDefinition } from '../router.js';
import { sourceJson, tagMap, tagValue } from '../to-tams-json.js';
import { formatFilter } from './filters.js';
import { noContent, notFound, ok, pathId, pathTagName } from './common.js';

type Source = Record<string, unknown> & {
  /** Null while no tag was ever set. */
  tags: { name: string; value: string }[] | null;
  label: string | null;
  description: string | null;
};

async function loadSource(ctx: RestContext): Promise<Source> {
  const id = pathId(ctx.param('sourceId'), 'source');
  const { source } = await ctx.graphql.run<{ source: Source | null }>(SOURCE, { id });
  if (!source) throw notFound(`source ${id}`);
  return source;
}

const set = (field: 'Label' | 'Description') =>
  `mutation($id: ID!, $v: String) { setSource${field}(id: $id, ${field.toLowerCase()}: $v) { id } }`;
const SET_TAG =
  'mutation($id: ID!, $n: String!, $v: String) { setSourceTag(id: $id, name: $n, value: $v) { id } }';

/** A string property of a source: GET (404 when unset, as 7.0 says for label), PUT, DELETE. */
function textProperty(field: 'label' | 'description'): RouteDefinition['methods'] {
  const mutation = set(field === 'label' ? 'Label' : 'Description');
  return {
    GET: async (ctx) => {
      const value = (await loadSource(ctx))[field];
      if (value === null) throw notFound(`the ${field} of this source`);
      return ok(value);
    },
    PUT: async (ctx) => {
      const id = pathId(ctx.param('sourceId'), 'source');
      await ctx.graphql.run(mutation, { id, v: parse(stringBody, await ctx.json(), field) });
      return noContent;
    },
    DELETE: async (ctx) => {
      const id = pathId(ctx.param('sourceId'), 'source');
      await ctx.graphql.run(mutation, { id, v: null });
      return noContent;
    },
  };
}

export const sourceRoutes: RouteDefinition[] = [
  {
    path: '/sources',
    methods: {
      GET: async (ctx) => {
        const q = ctx.query;
        const filter = { label: q.string('label'), format: formatFilter(q), ...q.tagFilters() };
        const { sources } = await ctx.graphql.run<{
          sources: {
            nodes: Record<string, unknown>[];
            pageInfo: { endCursor: string | null; limit: number };
          };
        }>(SOURCES, { filter, limit: q.limit(), after: q.page() });
        return ok(
          sources.nodes.map(sourceJson),
          pagingHeaders(ctx.publicUrl, ctx.path, q.raw, sources.pageInfo.limit, sources.pageInfo.endCursor),
        );
      },
    },
  },
  { path: '/sources/{sourceId}', methods: { GET: async (ctx) => ok(sourceJson(await loadSource(ctx))) } },
  {
    path: '/sources/{sourceId}/tags',
    methods: {
      // A source whose tags were never set has none: {} (7.0 declares 404 only for a missing source).
      GET: async (ctx) => ok(tagMap((await loadSource(ctx)).tags) ?? {}),
    },
  },
  {
    path: '/sources/{sourceId}/tags/{name}',
    methods: {
      GET: async (ctx) => {
        const value = tagValue((await loadSource(ctx)).tags, ctx.param('name'));
        if (value === undefined) throw notFound(`tag ${JSON.stringify(ctx.param('name'))}`);
        return ok(value);
      },
      PUT: async (ctx) => {
        const id = pathId(ctx.param('sourceId'), 'source');
        await ctx.graphql.run(SET_TAG, {
          id,
          n: pathTagName(ctx.param('name')),
          v: parse(stringBody, await ctx.json(), 'tag value'),
        });
        return noContent;
      },
      DELETE: async (ctx) => {
        await ctx.graphql.run(SET_TAG, {
          id: pathId(ctx.param('sourceId'), 'source'),
          n: pathTagName(ctx.param('name')),
          v: null,
        });
        return noContent;
      },
    },
  },
  { path: '/sources/{sourceId}/description', methods: textProperty('description') },
  { path: '/sources/{sourceId}/label', methods: textProperty('label') },
];
