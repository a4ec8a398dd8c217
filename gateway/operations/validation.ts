import type { DocumentNode, GraphQLSchema, ValidationRule } from 'graphql';
import { GraphQLError, specifiedRules, validate } from 'graphql';
import { fragmentShapeError, gatewayValidationRules } from '../limits/index.js';

/** What a server checks its documents against, besides graphql-js's specified rules. */
export interface ValidationPolicy {
  readonly rules: readonly ValidationRule[];
  /**
   * Check the fragment bounds (limits/fragments.ts) before anything else: graphql-js validation and the
   * query planner cost more than linear time on fragment chains, so a chain is refused before either.
   */
  readonly fragmentBounds: boolean;
}

/** The gateway's policy: its limits, finite numbers, fragment bounds; introspection when allowed. */
export function gatewayValidation(options: { introspection: boolean }): ValidationPolicy {
  return {
    rules: [...gatewayValidationRules(), ...(options.introspection ? [] : [noIntrospectionRule])],
    fragmentBounds: true,
  };
}

/** A subgraph server's (distributed mode): graphql-js's rules; its only client is the gateway. */
export const SUBGRAPH_VALIDATION: ValidationPolicy = { rules: [], fragmentBounds: false };

/** Introspection switched off (TAMS_INTROSPECTION=false): `__schema` and `__type` are refused. */
const noIntrospectionRule: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === '__schema' || node.name.value === '__type')
      context.reportError(
        new GraphQLError(
          `introspection is switched off on this store (TAMS_INTROSPECTION=false), but the query selects ${node.name.value}`,
          { nodes: [node], extensions: { validationErrorCode: 'INTROSPECTION_DISABLED' } },
        ),
      );
  },
});

/**
 * Validates documents against one schema and policy, once per document: the result is kept by document
 * identity, so a document from the cache (or one the server owns) is validated the first time only.
 * Errors come out as clients see them: the rule's own code (a limit's QUERY_TOO_DEEP, a scalar's
 * BAD_USER_INPUT), else GRAPHQL_VALIDATION_FAILED, with status 400.
 */
export class DocumentValidator {
  private readonly results = new WeakMap<DocumentNode, readonly GraphQLError[]>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly policy: ValidationPolicy,
  ) {}

  errors(document: DocumentNode): readonly GraphQLError[] {
    let errors = this.results.get(document);
    if (!errors) {
      const shape = this.policy.fragmentBounds ? fragmentShapeError(document) : undefined;
      errors = (
        shape ? [shape] : validate(this.schema, document, [...specifiedRules, ...this.policy.rules])
      ).map(validationError);
      this.results.set(document, errors);
    }
    return errors;
  }
}

function validationError(error: GraphQLError): GraphQLError {
  const { code } = error.extensions;
  return new GraphQLError(error.message, {
    nodes: error.nodes ?? null,
    originalError: error.originalError ?? error,
    extensions: {
      ...error.extensions,
      code: typeof code === 'string' ? code : 'GRAPHQL_VALIDATION_FAILED',
      http: { status: 400 },
    },
  });
}
