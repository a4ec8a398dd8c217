import type { GatewayConfig } from '@apollo/gateway';
import type { DocumentNode, ExecutionResult, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { GraphQLError, validate } from 'graphql';
import { compileOperation } from './compiled-operation.js';
import type { OperationContext, PreparedOperation, Variables } from './execution.js';

/** A subgraph running in this process (embedded mode): its schema and how it builds its context. */
export interface LocalSubgraph {
  readonly schema: GraphQLSchema;
  context(gatewayContext: OperationContext): unknown;
}

export type DirectRoute = (
  prepared: PreparedOperation,
  variables: Variables,
  context: OperationContext,
) => Promise<ExecutionResult>;

type PlanObserver = NonNullable<GatewayConfig['experimental_didResolveQueryPlan']>;
type QueryPlan = Parameters<PlanObserver>[0]['queryPlan'];

/**
 * The REST shim's fast path. A document the server owns (registered once, validated then) whose query
 * plan is a single fetch from one subgraph in this process needs none of the gateway's work: no plan
 * lookup, no subgraph request to build, no result to reshape. Its operation then runs straight on that
 * subgraph's schema, with the context the gateway would have given the fetch, and its errors are
 * labelled as the gateway labels a subgraph's (`serviceName`; DOWNSTREAM_SERVICE_ERROR without a code).
 *
 * What the gateway would do is learnt from the gateway itself: the first run of each owned operation
 * goes through it, and its plan (`observePlan`, the gateway's plan callback) decides the route of every
 * later run. An operation that does not validate against the subgraph's own schema keeps the gateway.
 */
export class DirectRoutes {
  private readonly owned = new WeakSet<DocumentNode>();
  private readonly routes = new WeakMap<OperationDefinitionNode, DirectRoute | null>();

  constructor(
    private readonly subgraphs: ReadonlyMap<string, LocalSubgraph>,
    /** Wraps each route once, when it is made (tracing: a span per run). */
    private readonly wrap: (route: DirectRoute, subgraph: string) => DirectRoute = (route) => route,
  ) {}

  /** Marks a document as the server's own (done when the pipeline registers it). */
  own(document: DocumentNode): void {
    this.owned.add(document);
  }

  /** The direct route of an operation, once the gateway has planned it; undefined: via the gateway. */
  routeOf(operation: OperationDefinitionNode): DirectRoute | undefined {
    return this.routes.get(operation) ?? undefined;
  }

  /** For the gateway's `experimental_didResolveQueryPlan`: called with the plan of every execution. */
  readonly observePlan: PlanObserver = ({ queryPlan, requestContext }) => {
    const { document, operation } = requestContext;
    if (!this.owned.has(document) || this.routes.has(operation)) return;
    const name = singleFetch(queryPlan);
    const subgraph = name === undefined ? undefined : this.subgraphs.get(name);
    this.routes.set(
      operation,
      subgraph && validate(subgraph.schema, document).length === 0
        ? this.wrap(directRoute(name!, subgraph, document, operation.name?.value), name!)
        : null,
    );
  };
}

/** The subgraph of a plan that is one plain fetch (no entity step, rewrite or deferral), else undefined. */
function singleFetch(plan: QueryPlan): string | undefined {
  const node = plan.node;
  if (node?.kind !== 'Fetch') return undefined;
  const extra = [node.requires, node.inputRewrites, node.outputRewrites, node.contextRewrites];
  return node.hasDefers || extra.some((list) => list?.length) ? undefined : node.serviceName;
}

/** A route runs its operation compiled once (compiled-operation.ts) on the subgraph's schema. */
function directRoute(
  name: string,
  subgraph: LocalSubgraph,
  document: DocumentNode,
  operationName?: string,
): DirectRoute {
  const run = compileOperation(subgraph.schema, document, operationName);
  return async (prepared, variables, context) => {
    const result = await run(variables, subgraph.context(context));
    // Without data the request itself failed (a variable the schema refused): no subgraph error.
    if (!result.errors || result.data === undefined) return result;
    return { ...result, errors: result.errors.map((error) => asDownstreamError(error, name)) };
  };
}

/** A subgraph's error as the gateway passes it on (its executeQueryPlan's downstreamServiceError). */
function asDownstreamError(error: GraphQLError, serviceName: string): GraphQLError {
  const code = typeof error.extensions.code === 'string' ? error.extensions.code : 'DOWNSTREAM_SERVICE_ERROR';
  return new GraphQLError(error.message, {
    originalError: error,
    path: error.path ?? null,
    extensions: { ...error.extensions, serviceName, code },
  });
}
