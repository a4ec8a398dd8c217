import { readFileSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { JWTVerifyGetKey } from 'jose';
import type { Caller } from './caller.js';
import { scopesFromClaims } from './scopes.js';

/** How bearer JWTs are checked: a shared HS256 secret and/or RS256/ES256 keys from a JWKS. */
export interface JwtConfig {
  /** HS256 shared secret (at least 32 bytes). */
  readonly secret?: string;
  /** A JWKS: a file path, or an http(s) URL fetched and cached (keys rotate through it). */
  readonly jwks?: string;
  readonly issuer?: string;
  readonly audience?: string;
}

/** Seconds of clock difference between issuer and store that are forgiven on exp/nbf. */
const CLOCK_TOLERANCE_S = 30;

/** A token was presented but is not acceptable: expired, wrong issuer or audience, bad signature. */
export class InvalidTokenError extends Error {}

/** Verifies bearer JWTs into callers. Made once at start; the JWKS (if remote) is cached by jose. */
export class JwtVerifier {
  private readonly hmacKey?: Uint8Array;
  private readonly keySet?: JWTVerifyGetKey;

  constructor(private readonly config: JwtConfig) {
    if (config.secret) this.hmacKey = new TextEncoder().encode(config.secret);
    if (config.jwks)
      this.keySet = /^https?:\/\//.test(config.jwks)
        ? createRemoteJWKSet(new URL(config.jwks), { timeoutDuration: 5000, cooldownDuration: 30_000 })
        : createLocalJWKSet(
            JSON.parse(readFileSync(config.jwks, 'utf8')) as Parameters<typeof createLocalJWKSet>[0],
          );
  }

  get enabled(): boolean {
    return this.hmacKey !== undefined || this.keySet !== undefined;
  }

  /** A compact JWS has three base64url parts; opaque API tokens do not look like that. */
  static looksLikeJwt(token: string): boolean {
    return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
  }

  async verify(token: string): Promise<Caller> {
    if (!this.enabled) throw new InvalidTokenError('this store accepts no JWTs (none are configured)');
    const options = {
      issuer: this.config.issuer,
      audience: this.config.audience,
      clockTolerance: CLOCK_TOLERANCE_S,
      requiredClaims: ['exp'],
    };
    // The algorithm is pinned per key type, so a token cannot pick HS256 with a public key as secret.
    const header = (() => {
      try {
        return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as {
          alg?: unknown;
        };
      } catch {
        return {};
      }
    })();
    try {
      const { payload } =
        header.alg === 'HS256' && this.hmacKey
          ? await jwtVerify(token, this.hmacKey, { ...options, algorithms: ['HS256'] })
          : this.keySet
            ? await jwtVerify(token, this.keySet, { ...options, algorithms: ['RS256', 'ES256'] })
            : await jwtVerify(token, this.hmacKey!, { ...options, algorithms: ['HS256'] });
      const principal = [payload.sub, payload.client_id, payload.azp].find(
        (v): v is string => typeof v === 'string' && v.length > 0,
      );
      if (!principal) throw new InvalidTokenError('the token names no subject (sub or client_id)');
      return { principal: principal.slice(0, 256), scopes: scopesFromClaims(payload), scheme: 'jwt' };
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error;
      // An unreachable key set is the store's problem, not the token's: let the caller answer 503.
      if (error instanceof errors.JWKSTimeout) throw error;
      if (error instanceof errors.JWTExpired) throw new InvalidTokenError('the token has expired');
      if (error instanceof errors.JWTClaimValidationFailed)
        throw new InvalidTokenError(`the token's ${error.claim} claim is not acceptable`);
      if (error instanceof errors.JOSEError) throw new InvalidTokenError('the token is not valid');
      throw error;
    }
  }
}
