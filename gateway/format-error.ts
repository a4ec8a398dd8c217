import type { GraphQLFormattedError } from 'graphql';
import { codeInChain } from './limits/index.js';
import type { Logger } from './logger.js';

/** Messages we write for internal errors ourselves; anything else with that code may hold internals. */
export const SAFE_INTERNAL = 'internal error; the server log has the details';

/**
 * Codes of failures that are ours, not the client's: their messages may hold internals, so clients get
 * SAFE_INTERNAL, and the cause goes to the log. DOWNSTREAM_SERVICE_ERROR is what the gateway makes of a
 * subgraph error without a code (a subgraph that failed, or could not be reached).
 */
export const INTERNAL_CODES: ReadonlySet<string> = new Set([
  'INTERNAL_SERVER_ERROR',
  'DOWNSTREAM_SERVICE_ERROR',
]);

/**
 * Apollo reports every validation error as GRAPHQL_VALIDATION_FAILED, also those our own rules and
 * scalars raised with a precise code (a broken limit, a malformed TimeRange literal: BAD_USER_INPUT).
 * Their code is kept on the original error; it is the one clients should see, in every mode.
 */
const ownCode = (error: unknown) => codeInChain(error, (code) => code !== 'GRAPHQL_VALIDATION_FAILED');

/**
 * Errors Apollo Server raises about the request itself (an unsupported persisted-query version, a hash
 * that does not match the query) carry a 4xx `extensions.http.status` but no code, so Apollo would label
 * them INTERNAL_SERVER_ERROR. They are the client's fault: BAD_REQUEST, with their message.
 */
function isUncodedClientError(error: unknown): boolean {
  const { extensions } = (typeof error === 'object' && error !== null ? error : {}) as {
    extensions?: { code?: unknown; http?: { status?: unknown } };
  };
  const status = extensions?.http?.status;
  return extensions?.code === undefined && typeof status === 'number' && status >= 400 && status < 500;
}

/**
 * The code a client sees for `error`, whose own (or Apollo's) code is `code`: one decision, shared by
 * what clients are told (formatError) and what is logged (error-log-plugin.ts).
 */
export function clientCode(code: unknown, error: unknown): string {
  return (
    (code === 'GRAPHQL_VALIDATION_FAILED' ? ownCode(error) : undefined) ??
    (isUncodedClientError(error) ? 'BAD_REQUEST' : undefined) ??
    (typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR')
  );
}

/**
 * The last word on what an error tells a client: its code and message, never a stack trace or the
 * internals of an unexpected failure. Internal errors are logged with their cause and request id by
 * error-log-plugin.ts; the few that never pass a request's plugins (Apollo failing outside its request
 * pipeline) are logged here, where `alreadyLogged` says which ones the plugin has not seen.
 */
export function formatError(log: Logger, alreadyLogged: (error: unknown) => boolean = () => false) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = clientCode(formatted.extensions?.code, error);
    const { stacktrace: _stacktrace, exception: _exception, ...extensions } = formatted.extensions ?? {};
    if (INTERNAL_CODES.has(code)) {
      if (!alreadyLogged(error))
        log.error({ err: error, code, path: formatted.path }, 'unexpected error in a GraphQL request');
      return {
        message: SAFE_INTERNAL,
        path: formatted.path,
        locations: formatted.locations,
        extensions: { code },
      };
    }
    return { ...formatted, extensions: { ...extensions, code } };
  };
}
