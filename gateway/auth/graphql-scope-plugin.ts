import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { DocumentNode, OperationDefinitionNode, SelectionSetNode } from 'graphql';
import { GraphQLError, Kind } from 'graphql';
import type { Caller } from './caller.js';
import type { Requirement } from './scope-rules.js';
import { allows, describeRequirement, GRAPHQL_SCOPES } from './scope-rules.js';

export type CallerContext = BaseContext & { readonly caller: Caller };

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

/** The requirements of an operation's root fields; a field missing from the table needs admin. */
export function requirementsOf(
  document: DocumentNode,
  operation: OperationDefinitionNode,
): Map<string, Requirement> {
  const table = GRAPHQL_SCOPES[ROOT[operation.operation]];
  return new Map([...rootFields(document, operation)].map((f) => [f, table[f] ?? 'admin']));
}

export function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN', http: { status: 403 } } });
}

/**
 * Why `caller` may not run `operation` (the first root field out of its scopes, and the scope it needs),
 * or undefined when it may. The one wording of a scope refusal, over HTTP and graphql-ws alike.
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

/**
 * Refuses an operation, before it runs, when the caller lacks the scope of any root field it selects:
 * 403 with code FORBIDDEN, naming the field and the scope it needs. Runs on the gateway and again on
 * each subgraph server of distributed mode.
 */
export function scopePlugin<TContext extends CallerContext>(): ApolloServerPlugin<TContext> {
  return {
    requestDidStart() {
      return Promise.resolve({
        didResolveOperation({ document, operation, contextValue }) {
          // Without an operation, operationResolutionPlugin (which runs first) has already refused it.
          if (!operation) return Promise.resolve();
          const refusal = missingScope(document, operation, contextValue.caller);
          if (refusal) throw forbidden(refusal);
          return Promise.resolve();
        },
      });
    },
  };
}
