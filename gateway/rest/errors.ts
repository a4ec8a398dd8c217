import { DomainError } from '../../subgraphs/media/errors.js';
import { isErrorCode, statusOf } from '../error-codes.js';
import { HttpError } from '../http/errors.js';

/**
 * Codes of the refusals the REST shim makes itself, before any operation runs: spelt as the GraphQL
 * `extensions.code` of the same fault, so a client sees one spelling whichever API it uses.
 */
export type RestRefusal = 'BAD_REQUEST' | 'NOT_FOUND' | 'FORBIDDEN' | 'METHOD_NOT_ALLOWED';

/** An error of the domain or of GraphQL, as the TAMS error body `{type: code, summary: message}`. */
export function errorOfCode(
  code: string,
  message: string,
  headers?: Readonly<Record<string, string>>,
): HttpError {
  // The codes and their statuses are listed once, in gateway/error-codes.ts.
  return new HttpError(statusOf(code), isErrorCode(code) ? code : 'INTERNAL_SERVER_ERROR', message, headers);
}

/** A refusal of the shim's own. */
export function restError(
  code: RestRefusal,
  message: string,
  headers?: Readonly<Record<string, string>>,
): HttpError {
  return errorOfCode(code, message, headers);
}

/**
 * Runs one of the domain's own checks in the shim, its DomainError becoming the REST error it would
 * have become through GraphQL. Only for a rule GraphQL applies where a field runs, when 7.0 wants the
 * refusal even where that field does not run (an empty page).
 */
export function domainCheck<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof DomainError) throw errorOfCode(error.code, error.message);
    throw error;
  }
}
