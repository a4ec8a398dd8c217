import type { Scope } from './scopes.js';
import { SCOPES } from './scopes.js';

/** How a caller proved who it is. */
export type AuthScheme = 'jwt' | 'api-token' | 'basic' | 'internal' | 'none';

/** Who is calling and what they may do: the result of authentication, carried in every request context. */
export interface Caller {
  /** Recorded as created_by / updated_by; null when authentication is off. */
  readonly principal: string | null;
  readonly scopes: ReadonlySet<Scope>;
  readonly scheme: AuthScheme;
}

/** The caller of a store running with TAMS_AUTH=off (loopback only): everything is allowed. */
export const UNAUTHENTICATED_CALLER: Caller = Object.freeze({
  principal: null,
  scopes: new Set<Scope>(SCOPES),
  scheme: 'none',
});
