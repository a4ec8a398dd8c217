import { ERROR_STATUS as DOMAIN_ERROR_STATUS } from '../subgraphs/media/errors.js';
import { LIMIT_ERROR_CODES } from './limits/errors.js';
import type { LimitErrorCode } from './limits/errors.js';

/**
 * Every error code the gateway answers with, and its HTTP status: the one list. One spelling for every
 * transport, GraphQL's `extensions.code` style (SCREAMING_SNAKE), which is also the `type` of a REST error
 * body (TAMS 7.0's error.json leaves `type` free-form). The media domain's codes come first, imported
 * (subgraphs/media/errors.ts owns them: the domain raises them and cannot import the gateway); the
 * gateway's own follow. The object-store endpoint (lib/objects/filesystem-handler.ts) uses the same
 * spelling for its own codes; lib sits below the gateway, so they are not listed here.
 */
export const ERROR_STATUS = {
  ...DOMAIN_ERROR_STATUS,
  // Authentication and scopes (gateway/auth).
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  // The HTTP server (gateway/http) and the REST router.
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  REQUEST_TOO_LARGE: 413,
  /** Routes are bound after the port opens; a request before that is told to retry. */
  STARTING: 503,
  /** A draining server did not run the request; retrying it elsewhere is safe (decisions.md §18). */
  SHUTTING_DOWN: 503,
  /** Admission control refused the request (too many in flight, event loop lagging); it ran nothing. */
  OVERLOADED: 503,
  // Refusals of a GraphQL document (the operation pipeline; Apollo Server uses the same codes).
  GRAPHQL_PARSE_FAILED: 400,
  GRAPHQL_VALIDATION_FAILED: 400,
  OPERATION_RESOLUTION_FAILURE: 400,
  ...(Object.fromEntries(LIMIT_ERROR_CODES.map((code) => [code, 400])) as Record<LimitErrorCode, 400>),
  // Automatic persisted queries (Apollo Server): 200 by that protocol, the client sends the text next.
  PERSISTED_QUERY_NOT_FOUND: 200,
  PERSISTED_QUERY_NOT_SUPPORTED: 200,
  /** A `storeEvents` subscriber fell too far behind and was ended (it reloads and subscribes again). */
  SUBSCRIBER_TOO_SLOW: 429,
  /** A subgraph failed without a code of its own (the federation gateway's code): internal. */
  DOWNSTREAM_SERVICE_ERROR: 500,
} as const satisfies Readonly<Record<string, number>>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_STATUS, code);
}

/** The HTTP status of a code; 500 for a code nobody listed (a bug, answered as one). */
export function statusOf(code: unknown): number {
  return isErrorCode(code) ? ERROR_STATUS[code] : 500;
}

/**
 * Failures that are ours, not the client's: their messages may hold internals, so clients get
 * SAFE_INTERNAL_MESSAGE and the cause goes to the log.
 */
export const INTERNAL_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'INTERNAL_SERVER_ERROR',
  'DOWNSTREAM_SERVICE_ERROR',
]);

/** What a client is told about an internal failure (the log has the cause, under the request id). */
export const SAFE_INTERNAL_MESSAGE = 'internal error; the server log has the details';

/**
 * Codes that refuse a GraphQL document itself (it does not parse, validate, name a runnable operation
 * or fit the limits). The gateway's own documents (the REST shim's) never earn one: when they do, the
 * fault is the gateway's.
 */
export const DOCUMENT_ERROR_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'OPERATION_RESOLUTION_FAILURE',
  ...LIMIT_ERROR_CODES,
]);
