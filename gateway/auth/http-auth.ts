import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from '../http/errors.js';
import type { Authenticator } from './authenticator.js';
import { AuthenticationError, CHALLENGE } from './authenticator.js';
import type { Caller } from './caller.js';
import { credentialsOfRequest, CredentialsError } from './credentials.js';

/**
 * Authenticates an HTTP request, or throws the HttpError to answer it with: 400 for credentials given
 * twice, 401 with `WWW-Authenticate` for missing or bad ones, 503 when a verifier is unreachable.
 */
export async function authenticateRequest(
  authenticator: Authenticator,
  req: IncomingMessage,
): Promise<Caller> {
  try {
    return await authenticator.authenticate(credentialsOfRequest(req));
  } catch (error) {
    if (error instanceof CredentialsError)
      throw error.status === 400
        ? new HttpError(400, 'BAD_REQUEST', error.message)
        : new HttpError(401, 'UNAUTHENTICATED', error.message, { 'www-authenticate': CHALLENGE });
    if (error instanceof AuthenticationError)
      throw error.status === 401
        ? new HttpError(401, 'UNAUTHENTICATED', error.message, { 'www-authenticate': error.challenge })
        : new HttpError(503, 'SERVICE_UNAVAILABLE', error.message, { 'retry-after': '5' });
    throw error;
  }
}

/** The same refusal as a GraphQL response: `errors` with the refusal's code (UNAUTHENTICATED, ...). */
export function sendGraphQLRefusal(res: ServerResponse, refusal: HttpError): void {
  const body = JSON.stringify({ errors: [{ message: refusal.message, extensions: { code: refusal.type } }] });
  res.writeHead(refusal.status, {
    ...refusal.headers,
    'content-type': 'application/graphql-response+json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** Wraps a GraphQL HTTP handler: it runs only for an authenticated caller, which it receives. */
export function authenticatedGraphQL(
  authenticator: Authenticator,
  handle: (req: IncomingMessage, res: ServerResponse, requestId: string, caller: Caller) => Promise<void>,
) {
  return async (req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> => {
    let caller: Caller;
    try {
      caller = await authenticateRequest(authenticator, req);
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      sendGraphQLRefusal(res, error);
      return;
    }
    await handle(req, res, requestId, caller);
  };
}
