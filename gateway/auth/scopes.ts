/**
 * The four scopes of the store. Each is granted on its own (write does not imply read): a token for an
 * ingest script can be given `write` alone, a dashboard's `read` alone.
 */
export const SCOPES = ['read', 'write', 'delete', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** Existing TAMS deployments (the AWS reference among them) issue these names for the same scopes. */
const ALIAS_PREFIX = 'tams-api/';

/** The store's scope a granted scope name stands for, or undefined for names it does not know. */
export function scopeOf(name: string): Scope | undefined {
  const bare = name.startsWith(ALIAS_PREFIX) ? name.slice(ALIAS_PREFIX.length) : name;
  return (SCOPES as readonly string[]).includes(bare) ? (bare as Scope) : undefined;
}

/**
 * The scopes a token's claims grant: OAuth's space-separated `scope` string (RFC 8693) and the `scp`
 * claim some issuers use instead (an array or a space-separated string). Unknown names are ignored:
 * tokens often carry scopes meant for other services.
 */
export function scopesFromClaims(claims: Readonly<Record<string, unknown>>): Set<Scope> {
  const names: string[] = [];
  for (const claim of [claims.scope, claims.scp]) {
    if (typeof claim === 'string') names.push(...claim.split(' '));
    else if (Array.isArray(claim)) for (const n of claim) if (typeof n === 'string') names.push(n);
  }
  const scopes = new Set<Scope>();
  for (const name of names) {
    const scope = scopeOf(name);
    if (scope) scopes.add(scope);
  }
  return scopes;
}

/**
 * Parses a list an operator typed (`read,write` or `read write`), strictly: an unknown name is an error,
 * because a typo would otherwise silently grant less than intended.
 */
export function parseScopeList(list: string): Scope[] {
  const names = list.split(/[\s,]+/).filter(Boolean);
  if (!names.length) throw new Error(`no scopes given; expected some of ${SCOPES.join(', ')}`);
  const scopes = new Set<Scope>();
  for (const name of names) {
    const scope = scopeOf(name);
    if (!scope)
      throw new Error(`unknown scope ${JSON.stringify(name)}; expected some of ${SCOPES.join(', ')}`);
    scopes.add(scope);
  }
  return SCOPES.filter((s) => scopes.has(s));
}
