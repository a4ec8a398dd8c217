import { jwtVerify, SignJWT } from 'jose';
import type { Caller } from './caller.js';
import type { Scope } from './scopes.js';
import { scopesFromClaims } from './scopes.js';

const ISSUER = 'tams-gateway';
const AUDIENCE = 'tams-subgraph';
/** Lifetime of an internal token; the gateway signs one per caller per this long, subgraphs accept it so long. */
const LIFETIME_S = 60;

/**
 * Distributed mode: the gateway authenticates the client, then calls the subgraphs with a short-lived
 * HS256 token signed with TAMS_INTERNAL_SECRET that names the caller and its scopes. Subgraphs accept
 * nothing else, so they cannot be used to get around the gateway's checks even when reachable.
 */
export class InternalTokens {
  private readonly key: Uint8Array;
  /** Tokens are reused while fresh: signing per subgraph fetch would cost more than the fetch's routing. */
  private readonly signed = new Map<string, { token: string; until: number }>();

  constructor(secret: string) {
    this.key = new TextEncoder().encode(secret);
  }

  async sign(caller: Caller): Promise<string> {
    const scopes = [...caller.scopes].sort().join(' ');
    const cacheKey = `${caller.principal ?? ''}\u0000${scopes}`;
    const now = Date.now();
    const cached = this.signed.get(cacheKey);
    if (cached && cached.until > now) return cached.token;
    const token = await new SignJWT({ scope: scopes, anon: caller.principal === null })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(caller.principal ?? '-')
      .setIssuedAt()
      .setExpirationTime(`${LIFETIME_S}s`)
      .sign(this.key);
    if (this.signed.size > 10_000) this.signed.clear();
    // Reuse for half the lifetime, so a reused token always has time left when it arrives.
    this.signed.set(cacheKey, { token, until: now + (LIFETIME_S * 1000) / 2 });
    return token;
  }

  async verify(token: string): Promise<Caller | null> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
        requiredClaims: ['exp', 'sub'],
        clockTolerance: 5,
      });
      const scopes: Set<Scope> = scopesFromClaims(payload);
      return { principal: payload.anon === true ? null : payload.sub!, scopes, scheme: 'internal' };
    } catch {
      return null;
    }
  }
}
