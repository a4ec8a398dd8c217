import { GraphQLError } from 'graphql';
import type { OperationDefinitionNode } from 'graphql';

/** The stable `extensions.code` of each limit. */
export const LIMIT_ERROR_CODES = [
  'QUERY_TOO_DEEP',
  'TOO_MANY_ALIASES',
  'QUERY_TOO_COMPLEX',
  'TOO_MANY_ROOT_FIELDS',
  'LIST_TOO_DEEP',
] as const;

export type LimitErrorCode = (typeof LIMIT_ERROR_CODES)[number];

const CODES: ReadonlySet<string> = new Set(LIMIT_ERROR_CODES);

/** "The query "Flows"" or "The mutation": how messages name the operation that broke a limit. */
export function operationLabel(node: OperationDefinitionNode): string {
  return node.name ? `The ${node.operation} "${node.name.value}"` : `The ${node.operation}`;
}

export function limitError(
  code: LimitErrorCode,
  message: string,
  node: OperationDefinitionNode,
  limit: number,
): GraphQLError {
  return new GraphQLError(message, { nodes: [node], extensions: { code, limit } });
}

/**
 * The limit code of an error, or undefined. Apollo Server rewrites the code of every validation error to
 * GRAPHQL_VALIDATION_FAILED and keeps ours on `originalError`, so a `formatError` calls this to put the
 * stable code back. Duck-typed, so a GraphQLError from another graphql realm is recognised too.
 */
export function limitErrorCode(error: unknown): LimitErrorCode | undefined {
  return codeInChain(error, (code) => CODES.has(code)) as LimitErrorCode | undefined;
}

/**
 * The first `extensions.code` that `accept` takes, on the error or the errors it wraps (`originalError`,
 * a few levels at most). Duck-typed, so errors from another graphql realm are read too.
 */
export function codeInChain(error: unknown, accept: (code: string) => boolean): string | undefined {
  for (let current = error, hops = 0; typeof current === 'object' && current !== null && hops < 5; hops++) {
    const { extensions, originalError } = current as {
      extensions?: { code?: unknown };
      originalError?: unknown;
    };
    const code = extensions?.code;
    if (typeof code === 'string' && accept(code)) return code;
    current = originalError;
  }
  return undefined;
}
