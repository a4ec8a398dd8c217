import { httpStatusOf } from '../../subgraphs/media/errors.js';

/**
 * The REST status of a GraphQL error code. The domain codes carry their TAMS status (subgraphs/media/
 * errors.ts); GraphQL's own input errors are the caller's fault; anything else (a validation failure of
 * the shim's own documents, a limit) would be a bug here, so it is a 500.
 */
export function restStatusOf(code: string): number {
  if (code === 'BAD_USER_INPUT') return 400;
  if (code === 'UNAUTHENTICATED') return 401;
  if (code === 'FORBIDDEN') return 403;
  return httpStatusOf(code);
}
