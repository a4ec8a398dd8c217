/**
 * Typed errors of the query executor. Callers above the executor never see a driver error or SQL text:
 * every failure is one of these, with a stable `code` they can map to a TAMS 4xx or a GraphQL error code.
 */
export type ExecutorErrorCode =
  | 'UNKNOWN_TABLE'
  | 'UNKNOWN_COLUMN'
  | 'INVALID_PREDICATE'
  | 'INVALID_QUERY'
  | 'INVALID_VALUE'
  | 'INVALID_PAGE_KEY'
  | 'OUT_OF_RANGE'
  | 'SEGMENT_OVERLAP'
  | 'IMMUTABLE_COLUMN'
  | 'DUPLICATE_KEY'
  | 'CONSTRAINT_VIOLATION'
  | 'CONFLICT'
  | 'SCHEMA_VERSION'
  | 'MISUSE'
  | 'UNAVAILABLE'
  | 'INTERNAL';

export class ExecutorError extends Error {
  override readonly name: string = 'ExecutorError';
  constructor(
    readonly code: ExecutorErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** True when the same operation may succeed if simply retried (deadlock, lost race, database restarting). */
  get retryable(): boolean {
    return this.code === 'CONFLICT' || this.code === 'UNAVAILABLE';
  }
}

/** The query itself is malformed: names a table, column or operator that does not exist, or misuses one. */
export class InvalidQueryError extends ExecutorError {
  override readonly name = 'InvalidQueryError';
  constructor(
    code: 'UNKNOWN_TABLE' | 'UNKNOWN_COLUMN' | 'INVALID_PREDICATE' | 'INVALID_QUERY' | 'INVALID_PAGE_KEY',
    message: string,
  ) {
    super(code, message);
  }
}

/** A value does not fit its column's type (wrong JS type, malformed UUID, integer outside int8, ...). */
export class InvalidValueError extends ExecutorError {
  override readonly name = 'InvalidValueError';
  constructor(
    readonly table: string,
    readonly column: string,
    message: string,
    code: 'INVALID_VALUE' | 'OUT_OF_RANGE' = 'INVALID_VALUE',
  ) {
    super(code, `${table}.${column}: ${message}`);
  }
}

/** A segment would overlap another segment of the same flow (stored, or earlier in the same batch). */
export class SegmentOverlapError extends ExecutorError {
  override readonly name = 'SegmentOverlapError';
  constructor(
    message: string,
    readonly flowId?: string,
    options?: { cause?: unknown },
  ) {
    super('SEGMENT_OVERLAP', message, options);
  }
}

/** A row with the same unique key already exists. */
export class DuplicateKeyError extends ExecutorError {
  override readonly name = 'DuplicateKeyError';
  constructor(
    readonly table: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('DUPLICATE_KEY', message, options);
  }
}

export function isExecutorError(e: unknown): e is ExecutorError {
  return e instanceof ExecutorError;
}
