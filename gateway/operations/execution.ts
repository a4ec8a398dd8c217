import type { ApolloGateway } from '@apollo/gateway';
import type { DocumentNode, ExecutionResult, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { execute } from 'graphql';
import type { Caller } from '../auth/caller.js';
import type { Logger } from '../logger.js';
import type { DirectRoutes } from './direct-routes.js';

/** What every operation runs with, whatever its transport: the request id and the caller. */
export interface OperationContext {
  readonly requestId: string;
  /** The authenticated caller: its scopes are checked per root field, its principal recorded as created_by. */
  readonly caller: Caller;
}

/** A document that parsed and validated, and the operation of it that runs. */
export interface PreparedOperation {
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly operationName: string | undefined;
  /** The text and its SHA-256: the gateway keys its query plans by them. */
  readonly text: string;
  readonly hash: string;
  /** A document the server owns (validated once, when registered): it may take a direct route. */
  readonly owned: boolean;
}

export type Variables = Readonly<Record<string, unknown>> | null | undefined;

/** The last step of the pipeline: runs a prepared operation. Errors in the result are not formatted yet. */
export interface Execution {
  execute(
    prepared: PreparedOperation,
    variables: Variables,
    context: OperationContext,
  ): Promise<ExecutionResult>;
}

type GatewayExecutor = ApolloGateway['executor'];
type GatewayRequestContext = Parameters<GatewayExecutor>[0];

/**
 * Execution through the federation gateway (its query plan, cached by the document's hash and operation
 * name, then the subgraph fetches), or, for documents the server owns whose plan is one fetch from a
 * subgraph in this process, straight on that subgraph (`direct`, embedded mode).
 */
export function gatewayExecution(
  executor: GatewayExecutor,
  schema: GraphQLSchema,
  log: Logger,
  direct?: DirectRoutes,
): Execution {
  return {
    execute(prepared, variables, context) {
      const route = prepared.owned ? direct?.routeOf(prepared.operation) : undefined;
      if (route) return route(prepared, variables, context);
      return executor(gatewayRequest(prepared, variables, context, schema, log));
    },
  };
}

/** What the gateway's executor reads of a request (Apollo Server builds the same for its own requests). */
function gatewayRequest(
  prepared: PreparedOperation,
  variables: Variables,
  context: OperationContext,
  schema: GraphQLSchema,
  logger: Logger,
): GatewayRequestContext {
  return {
    request: {
      query: prepared.text,
      ...(prepared.operationName === undefined ? {} : { operationName: prepared.operationName }),
      ...(variables ? { variables: { ...variables } } : {}),
    },
    logger,
    schema,
    schemaHash: '' as GatewayRequestContext['schemaHash'],
    context,
    cache: NO_CACHE,
    queryHash: prepared.hash,
    document: prepared.document,
    source: prepared.text,
    operationName: prepared.operation.name?.value ?? null,
    operation: prepared.operation,
    metrics: {},
    overallCachePolicy: undefined,
    requestIsBatched: false,
  };
}

/** The request cache the gateway's data sources may use (for nothing the gateway does here). */
const NO_CACHE: GatewayRequestContext['cache'] = {
  get: () => Promise.resolve(undefined),
  set: () => Promise.resolve(),
  delete: () => Promise.resolve(true),
};

/** Execution on one schema, with the context `contextOf` builds: a subgraph served on its own. */
export function schemaExecution(
  schema: GraphQLSchema,
  contextOf: (context: OperationContext) => unknown,
): Execution {
  return {
    execute: async (prepared, variables, context) =>
      execute({
        schema,
        document: prepared.document,
        operationName: prepared.operationName ?? null,
        variableValues: variables ?? null,
        contextValue: contextOf(context),
      }),
  };
}
