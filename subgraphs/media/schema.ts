import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLSchema } from 'graphql';
import { GraphQLScalarType } from 'graphql';
import { loadSdl } from '../sdl.js';
import { toDomainError } from './errors.js';
import { resolvers } from './resolvers/index.js';

type AnyResolver = (...args: unknown[]) => unknown;

/** Every resolver reports failures as domain errors: stable codes, no driver internals. */
function withDomainErrors(map: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(map).map(([typeName, fields]) => {
      if (fields instanceof GraphQLScalarType || typeof fields !== 'object' || fields === null)
        return [typeName, fields];
      const wrapped = Object.fromEntries(
        Object.entries(fields).map(([field, resolver]) => {
          if (typeof resolver !== 'function' || field === '__resolveType') return [field, resolver];
          const fn = resolver as AnyResolver;
          return [
            field,
            (...args: unknown[]) => {
              // Synchronous results stay synchronous: a 1,000-segment listing has ~10,000 trivial field
              // resolutions, and wrapping each in a promise would make graphql-js await every one.
              try {
                const result = fn(...args);
                return result instanceof Promise
                  ? result.catch((error: unknown) => {
                      throw toDomainError(error);
                    })
                  : result;
              } catch (error) {
                throw toDomainError(error);
              }
            },
          ];
        }),
      );
      return [typeName, wrapped];
    }),
  );
}

export function buildMediaSchema(): GraphQLSchema {
  return buildSubgraphSchema({
    typeDefs: loadSdl('media').document,
    resolvers: withDomainErrors(resolvers),
  } as Parameters<typeof buildSubgraphSchema>[0]);
}
