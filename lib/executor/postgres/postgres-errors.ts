import { DuplicateKeyError, ExecutorError, SegmentOverlapError } from '../errors.js';

const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Maps a pg (node-postgres) error to a typed executor error. Executor errors pass through unchanged. */
export function mapPgError(error: unknown, table?: string): ExecutorError {
  if (error instanceof ExecutorError) return error;
  const e = error as { code?: unknown; table?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : String(error);
  const cause = { cause: error };
  const tableName = typeof e.table === 'string' ? e.table : table;
  switch (code) {
    case 'TAM01':
      return new SegmentOverlapError(
        'the segment overlaps another segment of the same flow',
        undefined,
        cause,
      );
    case 'TAM02':
      return new ExecutorError(
        'IMMUTABLE_COLUMN',
        'segment flow and timerange cannot change after insert',
        cause,
      );
    case 'TAM03':
      return new ExecutorError('MISUSE', message, cause);
    case '23505':
      // Two non-empty segments of one flow starting at the same instant always overlap.
      if (tableName === 'segments')
        return new SegmentOverlapError(
          'the segment overlaps another segment of the same flow',
          undefined,
          cause,
        );
      return new DuplicateKeyError(
        tableName ?? 'unknown',
        `a ${tableName ?? ''} row with the same key already exists`,
        cause,
      );
    case '22003':
      return new ExecutorError('OUT_OF_RANGE', `a value is out of range: ${message}`, cause);
    case '40001':
    case '40P01':
    case '55P03':
      return new ExecutorError(
        'CONFLICT',
        `the write conflicted with a concurrent one; retry (${message})`,
        cause,
      );
    case '57014':
      return new ExecutorError('UNAVAILABLE', 'the query took longer than the statement timeout', cause);
  }
  if (code.startsWith('23'))
    return new ExecutorError('CONSTRAINT_VIOLATION', `the write breaks a table rule: ${message}`, cause);
  if (code.startsWith('22')) return new ExecutorError('INVALID_VALUE', `invalid value: ${message}`, cause);
  if (code.startsWith('08') || code.startsWith('53') || code.startsWith('57P') || CONNECTION_ERRORS.has(code))
    return new ExecutorError('UNAVAILABLE', `PostgreSQL is unavailable: ${message}`, cause);
  if (/Connection terminated|connection timeout|Client has encountered a connection error/i.test(message))
    return new ExecutorError('UNAVAILABLE', `PostgreSQL is unavailable: ${message}`, cause);
  return new ExecutorError('INTERNAL', `PostgreSQL failed${code ? ` (${code})` : ''}: ${message}`, cause);
}
