import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Executor } from '../../lib/executor/index.js';
import { PostgresExecutor, SqliteExecutor } from '../../lib/executor/index.js';
import type { TestDatabase } from '../../lib/executor/test-support/postgres-test-database.js';
import { createTestDatabase } from '../../lib/executor/test-support/postgres-test-database.js';
import { eventually } from '../../lib/test-support/eventually.js';
import { ApiTokens } from './api-tokens.js';
import type * as PasswordHash from './password-hash.js';
import { PasswordChecksBusyError, PrincipalError, Principals } from './principals.js';

/**
 * While `held` is set, every password check waits for it before its scrypt work: the checks of a burst
 * then pile up in the queue however fast the machine is, and the queue's bound can be checked exactly.
 */
const scryptGate = vi.hoisted(() => ({ held: null as Promise<void> | null }));
vi.mock('./password-hash.js', async (importOriginal) => {
  const actual = await importOriginal<typeof PasswordHash>();
  return {
    ...actual,
    verifyPassword: async (password: string, stored: string) => {
      await scryptGate.held;
      return actual.verifyPassword(password, stored);
    },
  };
});

/** Tokens and users on both databases: revocation, expiry and disabling take effect on the next check. */
describe.each(['sqlite', 'postgres'] as const)('credential stores on %s', (backend) => {
  let executor: Executor;
  let db: TestDatabase | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'tams-auth-'));
  let clock = new Date('2026-01-01T00:00:00Z');
  const now = () => clock;

  beforeAll(async () => {
    if (backend === 'sqlite') executor = await SqliteExecutor.open({ path: join(dir, 'db.sqlite3') });
    else {
      db = await createTestDatabase('tams_auth');
      executor = await PostgresExecutor.open({ url: db.url });
    }
  });
  afterAll(async () => {
    await executor.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates tokens that verify as their principal, narrowed to their scopes', async () => {
    const principals = new Principals(executor, now);
    const tokens = new ApiTokens(executor, now);
    const { principal } = await principals.set('ingest-bot', ['read', 'write']);
    const { token, info } = await tokens.create(principal, ['write'], { label: 'camera 4' });
    expect(token).toMatch(/^tams_[\w-]{43}$/);
    expect(await tokens.verify(token)).toEqual({
      principal: 'ingest-bot',
      scopes: new Set(['write']),
      scheme: 'api-token',
    });
    // Never more than the principal holds, now: taking write from the principal takes it from the token.
    await principals.set('ingest-bot', ['read']);
    expect((await tokens.verify(token))!.scopes).toEqual(new Set());
    await expect(tokens.create(principal, ['admin'])).rejects.toThrow(PrincipalError);
    const listed = (await tokens.list()).find((t) => t.id === info.id)!;
    expect(listed).toMatchObject({
      principal: 'ingest-bot',
      label: 'camera 4',
      scopes: ['write'],
      revoked: null,
    });
    expect(listed.lastUsed).toEqual(clock);
    expect(JSON.stringify(await tokens.list())).not.toContain(token.slice(5));
  });

  it('refuses revoked, expired, unknown and disabled-principal tokens at once', async () => {
    const principals = new Principals(executor, now);
    const tokens = new ApiTokens(executor, now);
    const { principal } = await principals.set('editor', ['read', 'write']);
    const a = await tokens.create(principal, ['read']);
    const b = await tokens.create(principal, ['read'], { expires: new Date(clock.getTime() + 60_000) });
    expect(await tokens.verify(a.token)).not.toBeNull();
    expect(await tokens.revoke(a.info.id)).toBe(true);
    expect(await tokens.revoke(a.info.id)).toBe(false);
    expect(await tokens.verify(a.token)).toBeNull();
    expect(await tokens.verify(b.token)).not.toBeNull();
    clock = new Date(clock.getTime() + 61_000);
    expect(await tokens.verify(b.token)).toBeNull();
    const c = await tokens.create(principal, ['read']);
    await principals.setDisabled('editor', true);
    expect(await tokens.verify(c.token)).toBeNull();
    await principals.setDisabled('editor', false);
    expect(await tokens.verify(c.token)).not.toBeNull();
    // One character changed (to one it is not already).
    const last = c.token.at(-1) === 'A' ? 'B' : 'A';
    expect(await tokens.verify(`${c.token.slice(0, -1)}${last}`)).toBeNull();
    expect(await tokens.verify('tams_short')).toBeNull();
  });

  it('checks Basic passwords, and forgets a user the moment it is removed or its password changes', async () => {
    const principals = new Principals(executor, now);
    const tokens = new ApiTokens(executor, now);
    const { principal } = await principals.set('ana', ['read'], { password: 'a long enough password' });
    expect((await principals.get('ana'))!.hasPassword).toBe(true);
    expect(await principals.verifyPassword('ana', 'a long enough password')).toEqual({
      principal: 'ana',
      scopes: new Set(['read']),
      scheme: 'basic',
    });
    expect(await principals.verifyPassword('ana', 'a long enough passwore')).toBeNull();
    expect(await principals.verifyPassword('bob', 'a long enough password')).toBeNull();
    await principals.set('ana', ['read'], { password: 'another long password' });
    expect(await principals.verifyPassword('ana', 'a long enough password')).toBeNull();
    const token = (await tokens.create(principal, ['read'])).token;
    expect(await principals.remove('ana')).toBe(true);
    expect(await principals.verifyPassword('ana', 'another long password')).toBeNull();
    expect(await tokens.verify(token)).toBeNull();
    await expect(principals.set('x', ['read'], { password: 'short' })).rejects.toThrow(/12 characters/);
    await expect(principals.set('bad name', ['read'])).rejects.toThrow(PrincipalError);
  });

  it('makes unknown users wait for scrypt too, and refuses checks past the queue at once', async () => {
    const principals = new Principals(executor, now);
    await principals.set('queue-target', ['read'], { password: 'the right password here' });
    for (const user of ['queue-target', 'nobody-by-this-name']) {
      // 2 run, 16 wait; the rest of a burst of 30 is refused. An unknown user is queued like a known
      // one (it runs the same scrypt work), so neither its timing nor this refusal tells names apart.
      let open!: () => void;
      scryptGate.held = new Promise((resolve) => (open = resolve));
      const refused: unknown[] = [];
      const checks = Array.from({ length: 30 }, () =>
        principals.verifyPassword(user, 'a wrong password').catch((error: unknown) => {
          refused.push(error);
          return 'refused' as const;
        }),
      );
      // No check can end while the gate is shut: the twelve past the queue are refused at once.
      await eventually(() => refused.length === 30 - 18, `the refusals for ${user}`);
      open();
      scryptGate.held = null;
      const outcomes = await Promise.all(checks);
      expect(refused, user).toHaveLength(30 - 18);
      for (const error of refused) expect(error).toBeInstanceOf(PasswordChecksBusyError);
      expect(outcomes.filter((o) => o !== 'refused')).toEqual(Array.from({ length: 18 }, () => null));
    }
    // Once the burst is over, checks run again.
    expect(await principals.verifyPassword('queue-target', 'the right password here')).toMatchObject({
      principal: 'queue-target',
    });
  });

  it('stores no secret in a readable form', async () => {
    const principals = new Principals(executor, now);
    const { principal } = await principals.set('auditor', ['read'], {
      password: 'correct horse battery staple',
    });
    const { token } = await new ApiTokens(executor, now).create(principal, ['read']);
    const everything = JSON.stringify([
      (await executor.select({ table: 'principals', limit: 1000 })).rows,
      (await executor.select({ table: 'api_tokens', limit: 1000 })).rows,
    ]);
    expect(everything).not.toContain('correct horse');
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(token.slice(5));
  });
});
