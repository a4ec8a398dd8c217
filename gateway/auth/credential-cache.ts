/**
 * What cached credentials depend on (lib/cache). Verified API tokens are cached by the SHA-256 of the
 * token, so a revocation (by token id) or a principal's change cannot name the entries it ends: it
 * bumps the whole kind instead. Both are rare, administrative writes; requests are not.
 */
export const API_TOKENS_DEPENDENCY = 'auth:api-tokens';
export const PRINCIPALS_DEPENDENCY = 'auth:principals';

/**
 * How long a verified token may be served from the cache without asking the database. Invalidation is
 * what makes revocation immediate; this bounds the one case it cannot cover: a revocation made by a
 * process that could not reach Redis (e.g. `tams token revoke` without TAMS_REDIS_URL).
 */
export const VERIFIED_TOKEN_TTL_MS = 60_000;
