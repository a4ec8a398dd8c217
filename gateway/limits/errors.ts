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
