import { eq } from '../../../lib/executor/index.js';
import type { SourceResolvers } from '../__generated__/resolvers-types.js';
import { formatFromUrn } from '../domain/content-format.js';
import { inferSourceCollections } from '../domain/collections.js';
import { connection, pageLimit } from './paging.js';
import { tagList, tagValue } from './tags.js';

export const Source: SourceResolvers = {
  __resolveReference: async (ref, ctx) => ctx.loaders.source.load(ref.id),
  format: (source) => formatFromUrn(source.format),
  tags: (source) => tagList(source.tags),
  tag: (source, { name }) => tagValue(source.tags, name),
  createdBy: (source) => source.created_by,
  updatedBy: (source) => source.updated_by,
  sourceCollection: async (source, _, ctx) =>
    (await inferSourceCollections(ctx.loaders.collections, [source.id]))[0]!.sourceCollection,
  collectedBy: async (source, _, ctx) =>
    (await inferSourceCollections(ctx.loaders.collections, [source.id]))[0]!.collectedBy,
  flows: async (source, args, ctx) => {
    const limit = pageLimit(ctx.repository, args.limit);
    const page = await ctx.loaders.page({
      table: 'flows',
      where: eq('source_id', source.id),
      limit,
      after: args.after ?? null,
    });
    return connection(page, limit);
  },
};
