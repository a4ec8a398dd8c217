import {
  SetSourceDescriptionDocument,
  SetSourceLabelDocument,
  SetSourceTagDocument,
  SourceDocument,
  SourcePropertiesDocument,
  SourcesDocument,
  SourceTagDocument,
} from '../__generated__/operations.js';
import type { SourcePropertiesQuery } from '../__generated__/operations.js';
import { parse, stringBody } from '../bodies.js';
import type { RestContext } from '../context.js';
import { pagingHeaders } from '../paging.js';
import type { RouteDefinition } from '../router.js';
import { FORMAT } from '../tams-vocabulary.js';
import { sourceJson, tagMap } from '../to-tams-json.js';
import { noContent, notFound, ok, pathId, pathTagName } from './common.js';

const sourceId = (ctx: RestContext) => pathId(ctx.param('sourceId'), 'source');

async function loadProperties(ctx: RestContext): Promise<NonNullable<SourcePropertiesQuery['source']>> {
  const id = sourceId(ctx);
  const { source } = await ctx.graphql.run(SourcePropertiesDocument, { sourceId: id });
  if (!source) throw notFound(`source ${id}`);
  return source;
}

/** A string property of a source: GET (404 when unset, as 7.0 says for label), PUT, DELETE. */
function textProperty(field: 'label' | 'description'): RouteDefinition['methods'] {
  const set = (ctx: RestContext, id: string, value: string | null) =>
    field === 'label'
      ? ctx.graphql.run(SetSourceLabelDocument, { sourceId: id, label: value })
      : ctx.graphql.run(SetSourceDescriptionDocument, { sourceId: id, description: value });
  return {
    GET: async (ctx) => {
      const value = (await loadProperties(ctx))[field];
      if (value === null) throw notFound(`the ${field} of this source`);
      return ok(value);
    },
    PUT: async (ctx) => {
      const id = sourceId(ctx);
      await set(ctx, id, parse(stringBody, await ctx.json(), field));
      return noContent;
    },
    DELETE: async (ctx) => {
      await set(ctx, sourceId(ctx), null);
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
        const { sources } = await ctx.graphql.run(SourcesDocument, {
          label: q.string('label'),
          format: q.spelling('format', FORMAT),
          ...q.tagFilters(),
          limit: q.limit(),
          page: q.page(),
        });
        return ok(
          sources.nodes.map(sourceJson),
          pagingHeaders(ctx.publicUrl, ctx.path, q.raw, sources.pageInfo.limit, sources.pageInfo.endCursor),
        );
      },
    },
  },
  {
    path: '/sources/{sourceId}',
    methods: {
      GET: async (ctx) => {
        const id = sourceId(ctx);
        const { source } = await ctx.graphql.run(SourceDocument, { sourceId: id });
        if (!source) throw notFound(`source ${id}`);
        return ok(sourceJson(source));
      },
    },
  },
  {
    path: '/sources/{sourceId}/tags',
    methods: {
      // A source whose tags were never set has none: {} (7.0 declares 404 only for a missing source).
      GET: async (ctx) => ok(tagMap((await loadProperties(ctx)).tags) ?? {}),
    },
  },
  {
    path: '/sources/{sourceId}/tags/{name}',
    methods: {
      GET: async (ctx) => {
        const id = sourceId(ctx);
        const name = ctx.param('name');
        const { source } = await ctx.graphql.run(SourceTagDocument, { sourceId: id, name });
        if (!source) throw notFound(`source ${id}`);
        if (source.tag === null) throw notFound(`tag ${JSON.stringify(name)}`);
        return ok(source.tag);
      },
      PUT: async (ctx) => {
        const id = sourceId(ctx);
        await ctx.graphql.run(SetSourceTagDocument, {
          sourceId: id,
          name: pathTagName(ctx.param('name')),
          value: parse(stringBody, await ctx.json(), 'tag value'),
        });
        return noContent;
      },
      DELETE: async (ctx) => {
        await ctx.graphql.run(SetSourceTagDocument, {
          sourceId: sourceId(ctx),
          name: pathTagName(ctx.param('name')),
          value: null,
        });
        return noContent;
      },
    },
  },
  { path: '/sources/{sourceId}/description', methods: textProperty('description') },
  { path: '/sources/{sourceId}/label', methods: textProperty('label') },
];
