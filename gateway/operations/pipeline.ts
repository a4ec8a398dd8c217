import type { DocumentNode, ExecutionResult, FormattedExecutionResult, GraphQLSchema } from 'graphql';
import { GraphQLError, print } from 'graphql';
import type { Caller } from '../auth/caller.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { AdmissionPolicy } from './admission.js';
import { admissionRefusal } from './admission.js';
import type { DirectRoutes } from './direct-routes.js';
import { DocumentCache, queryHash } from './document-cache.js';
import { asGraphQLError, ErrorFormatter } from './errors.js';
import type { Execution, OperationContext, PreparedOperation, Variables } from './execution.js';
import type { Transport } from './operation.js';
import { resolveOperation } from './operation.js';
import type { ValidationPolicy } from './validation.js';
import { DocumentValidator } from './validation.js';

/** One GraphQL operation as a transport hands it over. */
export interface OperationRequest {
  /** The query text, or a parsed document: one the server owns (`own`), or one Apollo Server parsed. */
  readonly document: string | DocumentNode;
  /** The text and SHA-256 of a document parsed elsewhere (Apollo Server's HTTP adapter has both). */
  readonly source?: { readonly text: string; readonly hash: string };
  readonly operationName?: string | null;
  readonly variables?: Variables;
}

/** What a transport sends back: the result with its errors formatted, and the HTTP status it calls for. */
export interface Outcome {
  readonly result: FormattedExecutionResult;
  /** Absent: 200. Request errors are 400 (403 for a missing scope), a failure to execute 500. */
  readonly status: number | undefined;
  /** Refused before execution: the document, its operation, the caller's scopes or a limit. */
  readonly refused: boolean;
}

export type Preparation =
  { readonly prepared: PreparedOperation } | { readonly refusal: readonly GraphQLError[] };

export interface PipelineOptions {
  /** The schema clients' documents are validated against (the gateway's API schema). */
  readonly schema: GraphQLSchema;
  readonly execution: Execution;
  readonly validation: ValidationPolicy;
  readonly admission: AdmissionPolicy;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** The gateway's fast path for owned documents (embedded mode), told which documents are owned. */
  readonly direct?: DirectRoutes;
}

const now = () => process.hrtime.bigint();
const secondsSince = (started: bigint) => Number(now() - started) / 1e9;

/**
 * The one way a GraphQL operation runs, whatever brought it: HTTP (Apollo Server as the protocol
 * adapter), graphql-ws, or the REST shim in process. Each step happens here and nowhere else:
 * 1. parse: query text through one bounded cache (`documents`); a document the server owns is never
 *    parsed or validated again;
 * 2. validate: fragment bounds first, then graphql-js's rules with the gateway's (limits), once per document;
 * 3. resolve the operation (operationName; subscriptions over graphql-ws only);
 * 4. admit: the caller's scopes per root field, and the result-size cap for these variables;
 * 5. execute (execution.ts: the gateway, a direct route, or one subgraph's schema);
 * 6. format errors (errors.ts: stable codes, internal errors masked and logged once with the request id)
 *    and record the operation's metrics.
 */
export class OperationPipeline {
  readonly schema: GraphQLSchema;
  readonly documents = new DocumentCache();
  readonly errors: ErrorFormatter;
  private readonly validator: DocumentValidator;
  /** Text and hash of the documents the server owns (validated when registered). */
  private readonly owned = new WeakMap<DocumentNode, { readonly text: string; readonly hash: string }>();

  constructor(private readonly options: PipelineOptions) {
    this.schema = options.schema;
    this.errors = new ErrorFormatter(options.log);
    this.validator = new DocumentValidator(options.schema, options.validation);
  }

  /**
   * Registers a document the server itself runs (the REST shim's operations, a subscription's derived
   * query): validated now, once, and never parsed or validated again. Throws, naming the problems, when
   * it is not valid: that is a bug of the server, best found at start.
   */
  own<D extends DocumentNode>(document: D): D {
    if (this.owned.has(document)) return document;
    const errors = this.validator.errors(document);
    if (errors.length)
      throw new Error(`a document of the server is not valid: ${errors.map((e) => e.message).join('; ')}`);
    const text = print(document);
    this.owned.set(document, { text, hash: queryHash(text) });
    this.options.direct?.own(document);
    return document;
  }

  /** Steps 1 to 3: the document parsed and validated, and its operation resolved; or why not. */
  prepare(request: OperationRequest, transport: Transport): Preparation {
    const parsed = this.parsed(request);
    if ('error' in parsed) return { refusal: [parsed.error] };
    const { document } = parsed;
    const owned = this.owned.has(document);
    const invalid = owned ? [] : this.validator.errors(document);
    if (invalid.length) return { refusal: invalid };
    const operation = resolveOperation(this.schema, document, request.operationName, transport);
    if (operation instanceof GraphQLError) return { refusal: [operation] };
    const operationName = request.operationName ?? undefined;
    return { prepared: { document, operation, operationName, text: parsed.text, hash: parsed.hash, owned } };
  }

  private parsed(
    request: OperationRequest,
  ): { document: DocumentNode; text: string; hash: string } | { error: GraphQLError } {
    const { document } = request;
    if (typeof document === 'string') {
      const parsed = this.documents.parse(document);
      return 'error' in parsed ? parsed : { ...parsed, text: document };
    }
    const known = this.owned.get(document) ?? request.source;
    if (known) return { document, ...known };
    const text = print(document);
    return { document, text, hash: queryHash(text) };
  }

  /** The whole pipeline for one request. Never throws: a failure is an internal error in the outcome. */
  async run(request: OperationRequest, context: OperationContext, transport: Transport): Promise<Outcome> {
    const started = now();
    const preparation = this.prepare(request, transport);
    if ('refusal' in preparation)
      return this.refuse(preparation.refusal, context, { started, operationName: request.operationName });
    return this.runPrepared(preparation.prepared, request.variables, context, started);
  }

  /** Step 4 alone: why this caller may not run the operation with these variables, or undefined. */
  admit(prepared: PreparedOperation, variables: Variables, caller: Caller): GraphQLError | undefined {
    return admissionRefusal(
      this.options.admission,
      this.schema,
      prepared.document,
      prepared.operation,
      variables,
      caller,
    );
  }

  /** Steps 4 to 6 for a prepared operation (graphql-ws prepares when the client subscribes). */
  async runPrepared(
    prepared: PreparedOperation,
    variables: Variables,
    context: OperationContext,
    started = now(),
  ): Promise<Outcome> {
    const { operation } = prepared;
    const scene = {
      started,
      operationName: operation.name?.value ?? null,
      operationType: operation.operation,
    };
    const refusal = this.admit(prepared, variables, context.caller);
    if (refusal) return this.refuse([refusal], context, scene);
    let result: ExecutionResult;
    let failed = false;
    try {
      result = await this.options.execution.execute(prepared, variables, context);
    } catch (error) {
      // An executor that throws (the gateway does, on what it cannot plan) failed the request: 500.
      result = { errors: [asGraphQLError(error)] };
      failed = true;
    }
    return this.finish(result, context, scene, failed ? 500 : undefined, false);
  }

  /** The outcome of a request refused before execution (the status its errors carry, 400 or 403). */
  refuse(errors: readonly unknown[], context: Partial<OperationContext>, scene: Scene = {}): Outcome {
    return this.finish({ errors: errors.map(asGraphQLError) }, context, scene, 500, true);
  }

  private finish(
    result: ExecutionResult,
    context: Partial<OperationContext>,
    scene: Scene,
    fallbackStatus: number | undefined,
    refused: boolean,
  ): Outcome {
    const { data, extensions } = result;
    const formatted = result.errors?.length
      ? this.errors.format(result.errors, {
          requestId: context.requestId,
          operationName: scene.operationName,
        })
      : undefined;
    // A request that produced no data failed as a whole (a variable the schema refused): 400, as in
    // Apollo Server; errors alongside data are answered 200.
    const status = formatted?.status ?? fallbackStatus ?? (formatted && data === undefined ? 400 : undefined);
    const errors = formatted?.errors;
    this.options.metrics.recordOperation(
      scene.operationType ?? 'unknown',
      errors,
      scene.started === undefined ? 0 : secondsSince(scene.started),
    );
    return {
      result: {
        ...(errors ? { errors } : {}),
        ...(data === undefined ? {} : { data }),
        ...(extensions === undefined ? {} : { extensions }),
      },
      status,
      refused,
    };
  }
}

/** What metrics and the error log say about an operation besides its errors. */
interface Scene {
  readonly started?: bigint;
  readonly operationName?: string | null | undefined;
  readonly operationType?: string;
}
