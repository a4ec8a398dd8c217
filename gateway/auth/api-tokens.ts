import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { CacheSpace, CoherentCache } from '../../lib/cache/index.js';
import type { Executor } from '../../lib/executor/index.js';
import { and, eq, isNull } from '../../lib/executor/index.js';
import type { Caller } from './caller.js';
import { API_TOKENS_DEPENDENCY, PRINCIPALS_DEPENDENCY, VERIFIED_TOKEN_TTL_MS } from './credential-cache.js';
import type { PrincipalInfo } from './principals.js';
import { PrincipalError, storedScopes } from './principals.js';
import type { Scope } from './scopes.js';
import { SCOPES } from './scopes.js';

/**
 * Opaque API tokens: `tams_` and 43 base64url characters (256 random bits). Only a SHA-256 of the token
 * is stored, and the token is found by it (a unique index): no slow hash is needed for secrets of that
 * entropy, and the lookup is cheap enough to do on every request, which is what makes revocation,
 * expiry and disabling the principal take effect at once.
 */
const TOKEN = /^tams_[A-Za-z0-9_-]{43}$/;
/** `last_used` is written at most this often per token: a write per request would cost more than the request. */
const LAST_USED_RESOLUTION_MS = 60 * 60_000;

export interface ApiTokenInfo {
  readonly id: string;
  readonly principal: string;
  readonly label: string | null;
  /** What the token grants: its own scopes, within its principal's. */
  readonly scopes: readonly Scope[];
  readonly created: Date;
  readonly expires: Date | null;
  readonly revoked: Date | null;
  readonly lastUsed: Date | null;
}

/** A live token as verification needs it: what the shared cache keeps, keyed by the token's hash. */
interface VerifiedToken {
  readonly id: string;
  readonly principal: string;
  /** The token's scopes within its principal's, as of the lookup. */
  readonly scopes: readonly Scope[];
  readonly expires: Date | null;
  readonly lastUsed: Date | null;
}

const hashOf = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

export function looksLikeApiToken(token: string): boolean {
  return token.startsWith('tams_');
}

export class ApiTokens {
  private readonly verified: CacheSpace<VerifiedToken> | undefined;
  /** When this process last wrote `last_used` per token id (a cached token's own value may be older). */
  private readonly lastUsedWritten = new Map<string, number>();

  /**
   * With `cache` (the replicas' shared cache), verified tokens are served from it; revocation, and any
   * change of a principal, invalidates them on every replica before it is acknowledged.
   */
  constructor(
    private readonly executor: Executor,
    private readonly now: () => Date = () => new Date(),
    private readonly cache?: CoherentCache,
  ) {
    this.verified = cache?.space<VerifiedToken>({ name: 'api-token.v1', ttlMs: VERIFIED_TOKEN_TTL_MS });
  }

  /**
   * Creates a token for a principal, narrowed to `scopes` (which the principal must hold). The token is
   * returned once and cannot be recovered afterwards.
   */
  async create(
    principal: PrincipalInfo,
    scopes: readonly Scope[],
    options: { label?: string; expires?: Date } = {},
  ): Promise<{ token: string; info: ApiTokenInfo }> {
    const { label, expires } = options;
    if (!scopes.length) throw new PrincipalError('a token needs at least one scope');
    const beyond = scopes.filter((s) => !principal.scopes.includes(s));
    if (beyond.length)
      throw new PrincipalError(
        `principal ${principal.name} does not hold ${beyond.join(', ')}; a token cannot grant more than its principal`,
      );
    if (label !== undefined && (label.length === 0 || label.length > 200 || /\p{Cc}/u.test(label)))
      throw new PrincipalError('a token label must be 1 to 200 printable characters');
    const token = `tams_${randomBytes(32).toString('base64url')}`;
    const ordered = SCOPES.filter((s) => scopes.includes(s));
    const row = {
      id: randomUUID(),
      principal_id: principal.id,
      token_hash: hashOf(token),
      label: label ?? null,
      scopes: ordered,
      created: this.now(),
      expires: expires ?? null,
      revoked: null,
      last_used: null,
    };
    await this.executor.insert('api_tokens', [row]);
    return {
      token,
      info: {
        id: row.id,
        principal: principal.name,
        label: row.label,
        scopes: ordered,
        created: row.created,
        expires: row.expires,
        revoked: null,
        lastUsed: null,
      },
    };
  }

  async list(): Promise<ApiTokenInfo[]> {
    const { rows } = await this.executor.select({
      table: 'api_tokens',
      columns: ['id', 'principal_id', 'label', 'scopes', 'created', 'expires', 'revoked', 'last_used'],
      orderBy: [{ column: 'created' }, { column: 'id' }],
      limit: 100_000,
    });
    const principals = await this.executor.lookup(
      'principals',
      'id',
      rows.map((r) => r.principal_id),
      { columns: ['name'] },
    );
    return rows.map((r, i) => ({
      id: r.id,
      principal: principals[i]?.name ?? '?',
      label: r.label,
      scopes: storedScopes(r.scopes),
      created: r.created,
      expires: r.expires,
      revoked: r.revoked,
      lastUsed: r.last_used,
    }));
  }

  /** Revokes a token by id; true when a live token was revoked. Takes effect on the next request. */
  async revoke(id: string): Promise<boolean> {
    const revoked =
      (await this.executor.update('api_tokens', and(eq('id', id), isNull('revoked')), {
        revoked: this.now(),
      })) > 0;
    if (revoked) await this.cache?.invalidate([API_TOKENS_DEPENDENCY]);
    return revoked;
  }

  async count(): Promise<number> {
    return this.executor.count('api_tokens');
  }

  /** The caller a token stands for, or null when it is unknown, revoked, expired or its principal disabled. */
  async verify(token: string): Promise<Caller | null> {
    if (!TOKEN.test(token)) return null;
    const hash = hashOf(token);
    const found = this.verified
      ? ((
          await this.verified.loadMany(
            [{ key: hash, deps: [API_TOKENS_DEPENDENCY, PRINCIPALS_DEPENDENCY] }],
            async () => [(await this.lookup(hash)) ?? undefined],
          )
        )[0] ?? null)
      : await this.lookup(hash);
    const now = this.now();
    if (!found || (found.expires !== null && found.expires <= now)) return null;
    const lastUsed = Math.max(found.lastUsed?.getTime() ?? 0, this.lastUsedWritten.get(found.id) ?? 0);
    if (now.getTime() - lastUsed > LAST_USED_RESOLUTION_MS) {
      this.lastUsedWritten.set(found.id, now.getTime());
      if (this.lastUsedWritten.size > 10_000)
        this.lastUsedWritten.delete(this.lastUsedWritten.keys().next().value!);
      await this.executor.update('api_tokens', eq('id', found.id), { last_used: now });
    }
    return { principal: found.principal, scopes: new Set(found.scopes), scheme: 'api-token' };
  }

  /** The live token with this hash (revoked or disabled: none), from the database. */
  private async lookup(hash: string): Promise<VerifiedToken | null> {
    const [row] = await this.executor.lookup('api_tokens', 'token_hash', [hash]);
    if (!row || row.revoked !== null) return null;
    const [principal] = await this.executor.lookup('principals', 'id', [row.principal_id], {
      columns: ['name', 'scopes', 'disabled'],
    });
    if (!principal || principal.disabled) return null;
    // A token grants its own scopes, and never more than its principal holds now.
    const held = new Set(storedScopes(principal.scopes));
    const scopes = (row.scopes === null ? [...held] : storedScopes(row.scopes)).filter((s) => held.has(s));
    return { id: row.id, principal: principal.name, scopes, expires: row.expires, lastUsed: row.last_used };
  }
}
