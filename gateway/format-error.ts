import type { GraphQLFormattedError } from 'graphql';
import { codeInChain } from './limits/index.js';
import type { Logger } from './logger.js';

/** Messages we write for internal errors ourselves; anything else with that code may hold internals. */
const SAFE_INTERNAL = 'internal error; the server log has the details';

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
 * The last word on what an error tells a client: its code and message, never a stack trace or the
 * internals of an unexpected failure (those go to the log, with the request's id).
 */
export function formatError(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code =
      (formatted.extensions?.code === 'GRAPHQL_VALIDATION_FAILED' ? ownCode(error) : undefined) ??
      (isUncodedClientError(error) ? 'BAD_REQUEST' : undefined) ??
      (typeof formatted.extensions?.code === 'string' ? formatted.extensions.code : 'INTERNAL_SERVER_ERROR');
    const { stacktrace: _stacktrace, exception: _exception, ...extensions } = formatted.extensions ?? {};
    if (code === 'INTERNAL_SERVER_ERROR' && formatted.message !== SAFE_INTERNAL) {
      log.error({ err: error, path: formatted.path }, 'unexpected error in a GraphQL operation');
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
