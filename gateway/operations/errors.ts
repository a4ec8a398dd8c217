import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError, Kind } from 'graphql';
import { INTERNAL_CODES, SAFE_INTERNAL_MESSAGE } from '../error-codes.js';
import type { Logger } from '../logger.js';

/** What the log line of an error names besides the error: which request, which operation. */
export interface ErrorScene {
  readonly requestId?: string | undefined;
  readonly operationName?: string | null | undefined;
}

/** Client-facing errors and the HTTP status they call for (absent: 200). */
export interface FormattedErrors {
  readonly errors: GraphQLFormattedError[];
  readonly status: number | undefined;
}

/**
 * The deepest error under `error`: GraphQL errors wrap what a resolver threw in `originalError` (the
 * gateway wraps a subgraph's error once more), and our errors keep theirs in `cause`, which the log's
 * error serializer follows itself. In distributed mode a subgraph's error arrives as plain JSON: the
 * cause is then in that subgraph's own log, under the same request id.
 */
export function rootCause(error: unknown): unknown {
  let current = error;
  for (let hops = 0; hops < 8; hops++) {
    const next = (current as { originalError?: unknown } | null)?.originalError;
    if (!(next instanceof Error)) break;
    current = next;
  }
  return current;
}

/**
 * Errors Apollo Server raises about an HTTP request itself (an unsupported persisted-query version, a
 * hash that does not match the query) carry a 4xx `extensions.http.status` but no code: they are the
 * client's fault, BAD_REQUEST, with their message.
 */
function isUncodedClientError(extensions: Readonly<Record<string, unknown>>): boolean {
  const status = (extensions.http as { status?: unknown } | undefined)?.status;
  return extensions.code === undefined && typeof status === 'number' && status >= 400 && status < 500;
}

/**
 * A variable the executor could not coerce (graphql-js says so without a code): the caller's input,
 * BAD_USER_INPUT, as Apollo Server labels it.
 */
function isVariableCoercionError(error: GraphQLError): boolean {
  const node = error.nodes?.length === 1 ? error.nodes[0] : undefined;
  if (node?.kind !== Kind.VARIABLE_DEFINITION) return false;
  const variable = `Variable "$${node.variable.name.value}" `;
  return ['has invalid value', 'got invalid value ', 'of required type ', 'of non-null type '].some((rest) =>
    error.message.startsWith(variable + rest),
  );
}

/** The code a client sees for `error`; INTERNAL_SERVER_ERROR when it has none. */
export function clientCode(error: GraphQLError): string {
  const { code } = error.extensions;
  if (typeof code === 'string') return code;
  if (isUncodedClientError(error.extensions)) return 'BAD_REQUEST';
  if (isVariableCoercionError(error)) return 'BAD_USER_INPUT';
  return 'INTERNAL_SERVER_ERROR';
}

/** Any thrown value as a GraphQLError (a plain Error becomes its `originalError`). */
export function asGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  const cause = error instanceof Error ? error : new Error(`unexpected error value: ${String(error)}`);
  return new GraphQLError(cause.message, { originalError: cause });
}

/**
 * The last word on what an error tells a client, for every transport: its stable code and message, never
 * a stack trace or the internals of an unexpected failure. Internal errors are logged here, once, with
 * the request id, the operation and their root cause (clients only get SAFE_INTERNAL_MESSAGE, so the log
 * is the only place the cause appears); a dependency that is down (SERVICE_UNAVAILABLE, a 503 the client
 * is told to retry) is a warning. An `extensions.http` status becomes the answer's status (the last one
 * wins, as in Apollo Server) and is not shown.
 */
export class ErrorFormatter {
  constructor(private readonly log: Logger) {}

  format(errors: readonly unknown[], scene: ErrorScene = {}): FormattedErrors {
    let status: number | undefined;
    const formatted = errors.map((raw) => {
      const error = asGraphQLError(raw);
      const httpStatus = (error.extensions.http as { status?: unknown } | undefined)?.status;
      if (typeof httpStatus === 'number') status = httpStatus;
      return this.formatOne(error, scene);
    });
    return { errors: formatted, status };
  }

  private formatOne(error: GraphQLError, scene: ErrorScene): GraphQLFormattedError {
    const code = clientCode(error);
    const json = error.toJSON();
    const {
      http: _http,
      stacktrace: _stacktrace,
      exception: _exception,
      ...extensions
    } = json.extensions ?? {};
    if (INTERNAL_CODES.has(code) || code === 'SERVICE_UNAVAILABLE') this.report(error, code, scene);
    if (INTERNAL_CODES.has(code))
      return {
        message: SAFE_INTERNAL_MESSAGE,
        path: json.path,
        locations: json.locations,
        extensions: { code },
      };
    return { ...json, extensions: { ...extensions, code } };
  }

  private report(error: GraphQLError, code: string, scene: ErrorScene): void {
    const details = {
      requestId: scene.requestId,
      operationName: scene.operationName,
      path: error.path,
      code,
      message: error.message,
      err: rootCause(error),
    };
    if (code === 'SERVICE_UNAVAILABLE')
      this.log.warn(details, 'a GraphQL operation found a dependency unavailable');
    else this.log.error(details, 'internal error in a GraphQL operation');
  }
}
