import { GraphQLError } from 'graphql';
import { ExecutorError } from '../../lib/executor/index.js';
import { ObjectStoreError } from '../../lib/objects/index.js';

/**
 * Domain errors of the media subgraph. Each has a stable `extensions.code`; the REST shim maps the code
 * to the TAMS 7.0 status with `httpStatusOf`, so both APIs answer the same fault the same way.
 */
export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  BAD_USER_INPUT: 400,
  INVALID_ID: 400,
  INVALID_OBJECT_ID: 400,
  INVALID_TIMERANGE: 400,
  INVALID_PAGE_KEY: 400,
  SEGMENT_OVERLAP: 400,
  CONTAINER_NOT_SET: 400,
  OBJECT_EXISTS: 400,
  OBJECT_ALLOCATED_TO_OTHER_FLOW: 400,
  UNKNOWN_OBJECT: 400,
  UNKNOWN_STORAGE_BACKEND: 400,
  NO_DEFAULT_STORAGE: 400,
  SOURCE_FORMAT_MISMATCH: 400,
  IMMUTABLE_PROPERTY: 400,
  UNKNOWN_COLLECTION_MEMBER: 400,
  RESERVED_URL_LABEL: 400,
  UNSUPPORTED_WEBHOOK: 400,
  DELETION_IN_PROGRESS: 400,
  FLOW_READ_ONLY: 403,
  NOT_FOUND: 404,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_SERVER_ERROR: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export function httpStatusOf(code: unknown): number {
  return typeof code === 'string' && code in ERROR_STATUS ? ERROR_STATUS[code as ErrorCode] : 500;
}

export class DomainError extends GraphQLError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, { extensions: { code, ...options?.details }, originalError: options?.cause as Error });
  }
}

export const notFound = (what: string) => new DomainError('NOT_FOUND', `${what} does not exist`);

/**
 * Executor errors reaching a resolver: input the domain layer should have caught is still the caller's
 * fault (400); a busy or unreachable database is 503 (retry); anything else is ours, and its message,
 * which might hold internals, is not passed on.
 */
export function fromExecutorError(error: ExecutorError): DomainError {
  switch (error.code) {
    case 'SEGMENT_OVERLAP':
      return new DomainError('SEGMENT_OVERLAP', 'the segment overlaps another segment of the flow', {
        cause: error,
      });
    case 'INVALID_PAGE_KEY':
      return new DomainError('INVALID_PAGE_KEY', error.message, { cause: error });
    case 'INVALID_VALUE':
    case 'OUT_OF_RANGE':
    case 'INVALID_PREDICATE':
    case 'INVALID_QUERY':
    case 'UNKNOWN_COLUMN':
      return new DomainError('BAD_REQUEST', error.message, { cause: error });
    case 'CONFLICT':
    case 'UNAVAILABLE':
      return new DomainError(
        'SERVICE_UNAVAILABLE',
        `the store is temporarily unavailable: ${error.message}`,
        {
          cause: error,
        },
      );
    case 'CONSTRAINT_VIOLATION':
    case 'DUPLICATE_KEY':
    case 'IMMUTABLE_COLUMN':
    case 'INTERNAL':
    case 'MISUSE':
    case 'SCHEMA_VERSION':
    case 'UNKNOWN_TABLE':
      return new DomainError('INTERNAL_SERVER_ERROR', 'internal error; the server log has the details', {
        cause: error,
      });
  }
}

/**
 * Object-store errors reaching a resolver: an id or argument the store cannot take is the caller's (400;
 * the domain checks ids first, so this is a backend's own limit such as an S3 prefix's share of the key);
 * an unreachable store is 503; anything else (credentials, configuration) is ours.
 */
export function fromObjectStoreError(error: ObjectStoreError): DomainError {
  switch (error.code) {
    case 'INVALID_OBJECT_ID':
      return new DomainError('INVALID_OBJECT_ID', error.message, { cause: error });
    case 'INVALID_ARGUMENT':
    case 'OBJECT_TOO_LARGE':
      return new DomainError('BAD_REQUEST', error.message, { cause: error });
    case 'OBJECT_STORE_UNAVAILABLE':
      return new DomainError('SERVICE_UNAVAILABLE', `the object store is temporarily unavailable`, {
        cause: error,
      });
    case 'ACCESS_DENIED':
    case 'CREDENTIALS_UNAVAILABLE':
    case 'INVALID_SIGNING_KEY':
    case 'MISCONFIGURED':
      return new DomainError('INTERNAL_SERVER_ERROR', 'internal error; the server log has the details', {
        cause: error,
      });
  }
}

/** Any error thrown below a resolver, as the GraphQL error clients should see. */
export function toDomainError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  if (error instanceof ExecutorError) return fromExecutorError(error);
  if (error instanceof ObjectStoreError) return fromObjectStoreError(error);
  return new DomainError('INTERNAL_SERVER_ERROR', 'internal error; the server log has the details', {
    cause: error,
  });
}
