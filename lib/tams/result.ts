/**
 * Validation outcomes as values. Parsing client input is the normal path for a media store, so a bad
 * value is reported as data (`Result`) rather than an exception; `unwrap` converts at the edges where a
 * throw is more convenient (tests, trusted constants).
 */

/** One problem with one input value. `code` is stable and machine-readable; `message` is for humans. */
export interface ValidationIssue {
  /** e.g. 'INVALID_TIMESTAMP', 'INVALID_TIMERANGE', 'INVALID_UUID', 'INVALID_TAG_NAME', 'OUT_OF_RANGE'. */
  readonly code: string;
  /** What is wrong with the given value (quoted, truncated) and what was expected. */
  readonly message: string;
}

export type Result<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ValidationIssue };

export function ok<T>(value: T): Result<T> {
  return Object.freeze({ ok: true, value });
}

export function fail(code: string, message: string): Result<never> {
  return Object.freeze({ ok: false, error: Object.freeze({ code, message }) });
}

export class TamsValidationError extends Error {
  override readonly name = 'TamsValidationError';
  constructor(readonly issue: ValidationIssue) {
    super(issue.message);
  }
}

/** The value of a successful result; throws `TamsValidationError` carrying the issue otherwise. */
export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw new TamsValidationError(result.error);
}
