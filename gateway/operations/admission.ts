import type { DocumentNode, GraphQLError, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import type { Caller } from '../auth/caller.js';
import { scopeRefusal } from '../auth/operation-scopes.js';
import { estimatedObjects, resultTooLarge } from '../limits/index.js';

/** What every run of an operation must pass, with its caller and variables known. */
export interface AdmissionPolicy {
  /** Most objects a result may hold (limits/result-size.ts); undefined: no cap (subgraph servers). */
  readonly maxResultObjects: number | undefined;
}

/**
 * Why this caller may not run this operation with these variables, or undefined: a root field outside
 * the caller's scopes (403 FORBIDDEN, scope-rules.ts), then a result estimated above the cap (400
 * QUERY_TOO_COMPLEX; it depends on the variables, so it cannot be part of validation). Checked before
 * every run, also of a document validated long ago: a caller's scopes can change between two events
 * of one subscription.
 */
export function admissionRefusal(
  policy: AdmissionPolicy,
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | null | undefined,
  caller: Caller,
): GraphQLError | undefined {
  const forbidden = scopeRefusal(document, operation, caller);
  if (forbidden) return forbidden;
  const max = policy.maxResultObjects;
  if (max !== undefined && estimatedObjects(schema, document, operation, variables, max + 1) > max)
    return resultTooLarge(operation, max);
  return undefined;
}
