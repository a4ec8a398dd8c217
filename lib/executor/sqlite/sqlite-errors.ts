import { DuplicateKeyError, ExecutorError, SegmentOverlapError } from '../errors.js';

/** Maps a better-sqlite3 error to a typed executor error. Executor errors pass through unchanged. */
export function mapSqliteError(error: unknown, table?: string): ExecutorError {
  if (error instanceof ExecutorError) return error;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const cause = { cause: error };
  if (typeof code !== 'string') return new ExecutorError('INTERNAL', `SQLite failed: ${message}`, cause);
  if (code === 'SQLITE_CONSTRAINT_TRIGGER') {
    if (message.includes('TAMS_SEGMENT_OVERLAP'))
      return new SegmentOverlapError(
        'the segment overlaps another segment of the same flow',
        undefined,
        cause,
      );
    if (message.includes('TAMS_IMMUTABLE_COLUMN'))
      return new ExecutorError(
        'IMMUTABLE_COLUMN',
        'segment flow and timerange cannot change after insert',
        cause,
      );
  }
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') {
    // Two non-empty segments of one flow starting at the same instant always overlap.
    if (table === 'segments')
      return new SegmentOverlapError(
        'the segment overlaps another segment of the same flow',
        undefined,
        cause,
      );
    return new DuplicateKeyError(
      table ?? 'unknown',
      `a ${table ?? ''} row with the same key already exists`,
      cause,
    );
  }
  if (code.startsWith('SQLITE_CONSTRAINT'))
    return new ExecutorError('CONSTRAINT_VIOLATION', `the write breaks a table rule: ${message}`, cause);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return new ExecutorError('CONFLICT', 'the database is busy with another writer; retry', cause);
  if (
    code === 'SQLITE_FULL' ||
    code.startsWith('SQLITE_IOERR') ||
    code.startsWith('SQLITE_CANTOPEN') ||
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_CORRUPT')
  )
    return new ExecutorError('UNAVAILABLE', `the SQLite database cannot be written: ${message}`, cause);
  return new ExecutorError('INTERNAL', `SQLite failed (${code}): ${message}`, cause);
}
