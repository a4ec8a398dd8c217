import type { ApiTokens } from './api-tokens.js';
import { looksLikeApiToken } from './api-tokens.js';
import type { Caller } from './caller.js';
import { UNAUTHENTICATED_CALLER } from './caller.js';
import type { Credentials } from './credentials.js';
import type { InternalTokens } from './internal-token.js';
import type { JwtVerifier } from './jwt-verifier.js';
import type { Principals } from './principals.js';
import { PasswordChecksBusyError } from './principals.js';
import { InvalidTokenError, JwtVerifier as Jwt } from './jwt-verifier.js';

/** The challenges a 401 carries: every scheme the store accepts (RFC 9110 §11.6.1). */
export const CHALLENGE = 'Bearer realm="tams", Basic realm="tams", charset="UTF-8"';

/** Authentication failed: 401 with a challenge, or 503 when a verifier could not be reached. */
export class AuthenticationError extends Error {
  constructor(
    readonly status: 401 | 503,
    message: string,
    /** The `WWW-Authenticate` value to send with a 401. */
    readonly challenge: string = CHALLENGE,
  ) {
    super(message);
  }
}

export type AuthMode =
  /** Public edge (embedded, gateway): JWTs, API tokens, Basic users. */
  | {
      readonly kind: 'edge';
      readonly jwt: JwtVerifier;
      readonly tokens: ApiTokens;
      readonly principals: Principals;
    }
  /** A subgraph behind the gateway: only the gateway's internal tokens. */
  | { readonly kind: 'internal'; readonly internal: InternalTokens }
  /** TAMS_AUTH=off, loopback only: every request is allowed everything. */
  | { readonly kind: 'off' };

const invalid = (why: string) =>
  new AuthenticationError(
    401,
    why,
    `${CHALLENGE.replace('realm="tams"', 'realm="tams", error="invalid_token"')}`,
  );

/**
 * One authentication path for REST, GraphQL over HTTP and graphql-ws: credentials in, a caller out (or
 * an AuthenticationError). Every lookup goes to the source of truth, so a revoked token or removed user
 * is refused on the very next request.
 */
export class Authenticator {
  constructor(readonly mode: AuthMode) {}

  get enabled(): boolean {
    return this.mode.kind !== 'off';
  }

  async authenticate(credentials: Credentials): Promise<Caller> {
    const mode = this.mode;
    if (mode.kind === 'off') return UNAUTHENTICATED_CALLER;
    if (credentials.kind === 'none')
      throw new AuthenticationError(
        401,
        'authentication is required: send a bearer token, Basic credentials or access_token',
      );
    if (mode.kind === 'internal') {
      if (credentials.kind !== 'token')
        throw invalid('this service only accepts the gateway’s internal token');
      const caller = await mode.internal.verify(credentials.token);
      if (!caller) throw invalid('the internal token is not valid');
      return caller;
    }
    if (credentials.kind === 'basic') {
      const caller = await mode.principals
        .verifyPassword(credentials.user, credentials.password)
        .catch((error: unknown) => {
          if (error instanceof PasswordChecksBusyError) throw new AuthenticationError(503, error.message);
          throw error;
        });
      if (!caller) throw new AuthenticationError(401, 'the user name or password is wrong');
      return caller;
    }
    if (looksLikeApiToken(credentials.token)) {
      const caller = await mode.tokens.verify(credentials.token);
      if (!caller) throw invalid('the API token is unknown or revoked');
      return caller;
    }
    if (Jwt.looksLikeJwt(credentials.token)) {
      try {
        return await mode.jwt.verify(credentials.token);
      } catch (error) {
        if (error instanceof InvalidTokenError) throw invalid(error.message);
        throw new AuthenticationError(
          503,
          'the token cannot be verified now (the key set is unreachable); retry later',
        );
      }
    }
    throw invalid('the token is neither an API token of this store nor a JWT');
  }
}
