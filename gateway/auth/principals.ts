import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { Semaphore } from 'async-mutex';
import type { CoherentCache } from '../../lib/cache/index.js';
import type { Executor } from '../../lib/executor/index.js';
import { eq } from '../../lib/executor/index.js';
import type { Caller } from './caller.js';
import { API_TOKENS_DEPENDENCY, PRINCIPALS_DEPENDENCY } from './credential-cache.js';
import { hashPassword, verifyPassword } from './password-hash.js';
import type { Scope } from './scopes.js';
import { SCOPES, scopeOf } from './scopes.js';

export interface PrincipalInfo {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly Scope[];
  readonly disabled: boolean;
  /** Whether the principal can use HTTP Basic (it has a password). */
  readonly hasPassword: boolean;
  readonly created: Date;
}

const NAME = /^[A-Za-z0-9._@-]{1,100}$/;
const MIN_PASSWORD = 12;
/** Verified (user, stored hash, password) triples are remembered this long, so Basic is not scrypt per request. */
const VERIFIED_TTL_MS = 5 * 60_000;
const VERIFIED_MAX = 10_000;

/** Scopes as stored (a JSON array), ordered and deduplicated; unknown names are dropped. */
export function storedScopes(value: unknown): Scope[] {
  const names = Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  const set = new Set(names.map(scopeOf).filter((s): s is Scope => s !== undefined));
  return SCOPES.filter((s) => set.has(s));
}

export class PrincipalError extends Error {}

/** More password checks are waiting than are allowed to queue: the caller should retry shortly. */
export class PasswordChecksBusyError extends Error {
  constructor() {
    super('too many password checks are in progress; retry shortly');
  }
}

/** Password checks allowed to wait for the two scrypt slots; beyond, Basic is refused with 503 at once. */
const MAX_WAITING_CHECKS = 16;

/**
 * The principals of the store: the names recorded as created_by/updated_by, with the scopes granted to
 * them. API tokens belong to a principal; a principal with a password can also use HTTP Basic. Every
 * request reads the principal's row, so disabling or removing one takes effect at once; only the
 * expensive password comparison is cached, keyed by the stored hash (a new password misses the cache).
 */
export class Principals {
  /** scrypt costs 32 MiB and ~100 ms: at most two at once, so wrong passwords cannot exhaust the machine. */
  private readonly hashing = new Semaphore(2);
  /** Checks running or waiting for a slot. */
  private checks = 0;
  /** A hash no password matches, checked for unknown users so they take as long as known ones. */
  private dummyHash: Promise<string> | null = null;
  private readonly verified = new Map<string, number>();
  private readonly cacheKey = randomBytes(32);

  /** With `cache` (the replicas' shared cache), every change invalidates the tokens verified from it. */
  constructor(
    private readonly executor: Executor,
    private readonly now: () => Date = () => new Date(),
    private readonly cache?: CoherentCache,
  ) {}

  static checkName(name: string): void {
    if (!NAME.test(name))
      throw new PrincipalError(
        `principal name ${JSON.stringify(name.slice(0, 120))}: use 1 to 100 letters, digits and . _ @ -`,
      );
  }

  async get(name: string): Promise<PrincipalInfo | null> {
    const [row] = await this.executor.lookup('principals', 'name', [name]);
    return row ? info(row) : null;
  }

  /** Creates a principal, or replaces the scopes (and password, when given) of an existing one. */
  async set(
    name: string,
    scopes: readonly Scope[],
    options: { password?: string } = {},
  ): Promise<{ created: boolean; principal: PrincipalInfo }> {
    Principals.checkName(name);
    if (!scopes.length) throw new PrincipalError('a principal needs at least one scope');
    const { password } = options;
    if (password !== undefined && password.length < MIN_PASSWORD)
      throw new PrincipalError(`a password needs at least ${MIN_PASSWORD} characters`);
    const passwordHash = password === undefined ? undefined : await hashPassword(password);
    const ordered = SCOPES.filter((s) => scopes.includes(s));
    const created = await this.executor.transaction(async (tx) => {
      const [existing] = await tx.lookup('principals', 'name', [name], { columns: ['id'] });
      if (existing) {
        await tx.update('principals', eq('id', existing.id), {
          scopes: ordered,
          ...(passwordHash === undefined ? {} : { password_hash: passwordHash }),
        });
        return false;
      }
      await tx.insert('principals', [
        {
          id: randomUUID(),
          name,
          scopes: ordered,
          disabled: false,
          created: this.now(),
          password_hash: passwordHash ?? null,
        },
      ]);
      return true;
    });
    await this.cache?.invalidate([PRINCIPALS_DEPENDENCY]);
    return { created, principal: (await this.get(name))! };
  }

  async setDisabled(name: string, disabled: boolean): Promise<boolean> {
    const changed = (await this.executor.update('principals', eq('name', name), { disabled })) > 0;
    if (changed) await this.cache?.invalidate([PRINCIPALS_DEPENDENCY]);
    return changed;
  }

  async list(): Promise<PrincipalInfo[]> {
    const { rows } = await this.executor.select({
      table: 'principals',
      orderBy: [{ column: 'name' }],
      limit: 100_000,
    });
    return rows.map(info);
  }

  /** Removes a principal and its tokens. */
  async remove(name: string): Promise<boolean> {
    const removed = await this.executor.transaction(async (tx) => {
      const [row] = await tx.lookup('principals', 'name', [name], { columns: ['id'] });
      if (!row) return false;
      await tx.delete('api_tokens', eq('principal_id', row.id));
      await tx.delete('principals', eq('id', row.id));
      return true;
    });
    if (removed) await this.cache?.invalidate([PRINCIPALS_DEPENDENCY, API_TOKENS_DEPENDENCY]);
    return removed;
  }

  async count(): Promise<number> {
    return this.executor.count('principals');
  }

  /** The caller a user name and password stand for, or null when either is wrong (or the user disabled). */
  async verifyPassword(name: string, password: string): Promise<Caller | null> {
    if (!NAME.test(name) || password.length > 1024) return null;
    const [row] = await this.executor.lookup('principals', 'name', [name]);
    if (!row || row.disabled || row.password_hash === null) {
      // The same scrypt work as for a real user, so timing does not tell which names exist.
      this.dummyHash ??= hashPassword(randomBytes(32).toString('base64url'));
      const dummy = await this.dummyHash;
      await this.check(() => verifyPassword(password, dummy));
      return null;
    }
    const key = createHmac('sha256', this.cacheKey)
      .update(`${name}\u0000${row.password_hash}\u0000${password}`)
      .digest('base64url');
    const until = this.verified.get(key);
    if (until === undefined || until < Date.now()) {
      const ok = await this.check(() => verifyPassword(password, row.password_hash!));
      if (!ok) return null;
      if (this.verified.size >= VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(key, Date.now() + VERIFIED_TTL_MS);
    }
    return { principal: row.name, scopes: new Set(storedScopes(row.scopes)), scheme: 'basic' };
  }

  /**
   * One scrypt check in one of the two slots. A flood of wrong passwords would otherwise queue without
   * bound and delay every new Basic login behind it: past 16 waiting, checks are refused at once.
   */
  private async check(verify: () => Promise<boolean>): Promise<boolean> {
    if (this.checks >= 2 + MAX_WAITING_CHECKS) throw new PasswordChecksBusyError();
    this.checks++;
    try {
      return await this.hashing.runExclusive(verify);
    } finally {
      this.checks--;
    }
  }
}

function info(row: {
  id: string;
  name: string;
  scopes: unknown;
  disabled: boolean;
  password_hash: string | null;
  created: Date;
}): PrincipalInfo {
  return {
    id: row.id,
    name: row.name,
    scopes: storedScopes(row.scopes),
    disabled: row.disabled,
    hasPassword: row.password_hash !== null,
    created: row.created,
  };
}
