import type { DocumentNode, OperationDefinitionNode, SelectionSetNode } from 'graphql';
import { GraphQLError, Kind } from 'graphql';
import type { Caller } from './caller.js';
import type { Requirement } from './scope-rules.js';
import { allows, describeRequirement, GRAPHQL_SCOPES } from './scope-rules.js';

/** The root field names an operation selects, through fragments on the root type too. */
export function rootFields(document: DocumentNode, operation: OperationDefinitionNode): Set<string> {
  const fragments = new Map(
    document.definitions.flatMap((d) =>
      d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [],
    ),
  );
  const names = new Set<string>();
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) names.add(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(operation.selectionSet);
  return names;
}

const ROOT = { query: 'Query', mutation: 'Mutation', subscription: 'Subscription' } as const;

/** Requirements per operation node: an operation's root fields do not change, its caller does. */
const requirementCache = new WeakMap<OperationDefinitionNode, ReadonlyMap<string, Requirement>>();

/** The requirements of an operation's root fields; a field missing from the table needs admin. */
export function requirementsOf(
  document: DocumentNode,
  operation: OperationDefinitionNode,
): ReadonlyMap<string, Requirement> {
  let requirements = requirementCache.get(operation);
  if (!requirements) {
    const table = GRAPHQL_SCOPES[ROOT[operation.operation]];
    requirements = new Map([...rootFields(document, operation)].map((f) => [f, table[f] ?? 'admin']));
    requirementCache.set(operation, requirements);
  }
  return requirements;
}

/**
 * Why `caller` may not run `operation` (the first root field out of its scopes, and the scope it needs),
 * or undefined when it may. The one wording of a scope refusal, on every transport.
 */
export function missingScope(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  caller: Caller,
): string | undefined {
  for (const [field, requirement] of requirementsOf(document, operation))
    if (!allows(caller, requirement))
      return `${operation.operation} field ${field} needs the ${describeRequirement(requirement)} scope, which this caller lacks`;
  return undefined;
}

/** The refusal of an operation the caller lacks a scope for: 403, FORBIDDEN, naming field and scope. */
export function scopeRefusal(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  caller: Caller,
): GraphQLError | undefined {
  const refusal = missingScope(document, operation, caller);
  return refusal === undefined
    ? undefined
    : new GraphQLError(refusal, { extensions: { code: 'FORBIDDEN', http: { status: 403 } } });
}
