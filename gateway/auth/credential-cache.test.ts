import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoherentCache, RedisStore } from '../../lib/cache/index.js';
import type { CacheResult } from '../../lib/cache/index.js';
import type { Executor } from '../../lib/executor/index.js';
import { PostgresExecutor } from '../../lib/executor/index.js';
import type { TestDatabase } from '../../lib/executor/test-support/postgres-test-database.js';
import { createTestDatabase } from '../../lib/executor/test-support/postgres-test-database.js';
import { ApiTokens } from './api-tokens.js';
import { Principals } from './principals.js';

const REDIS_URL = process.env['TAMS_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/**
 * Issue 12 §2: verified API tokens are cached in Redis, shared by the replicas, and a revocation or a
 * change of the principal made through any of them (or the CLI) is refused by every replica on its
 * next request. Two "replicas" here: two executors' worth of ApiTokens, each with its own Redis
 * connection and cache, on one PostgreSQL database and one Redis.
 */
describe('verified tokens in the shared cache', () => {
  let db: TestDatabase;
  let executor: Executor;
  const prefix = `tams:test:${randomUUID()}:`;
  const counts = new Map<CacheResult, number>();
  const caches: CoherentCache[] = [];
  const replica = () => {
    const cache = new CoherentCache(new RedisStore({ url: REDIS_URL, prefix }), {
      onRequests: (_s, result, n) => counts.set(result, (counts.get(result) ?? 0) + n),
    });
    caches.push(cache);
    return {
      cache,
      tokens: new ApiTokens(executor, undefined, cache),
      principals: new Principals(executor, undefined, cache),
    };
  };

  beforeAll(async () => {
    db = await createTestDatabase('tams_credcache');
    executor = await PostgresExecutor.open({ url: db.url });
  });
  afterAll(async () => {
    for (const cache of caches) await cache.close();
    await executor.close();
    await db.drop();
  });

  let replicas: ReturnType<typeof replica>[];
  it('serves a token from the cache, and refuses it everywhere once revoked through another replica', async () => {
    replicas = [replica(), replica()];
    const [a, b] = replicas as [ReturnType<typeof replica>, ReturnType<typeof replica>];
    await Promise.all([a.cache.whenEnabled(), b.cache.whenEnabled()]);
    const { principal } = await a.principals.set(`cam-${randomUUID()}`, ['read', 'write']);
    const { token, info } = await a.tokens.create(principal, ['read']);
    // Fill a quiet period's worth of misses until the cache answers (a new epoch starts one).
    const caller = { principal: principal.name, scopes: new Set(['read']), scheme: 'api-token' };
    for (let hits = counts.get('hit') ?? 0; (counts.get('hit') ?? 0) === hits;) {
      expect(await b.tokens.verify(token)).toEqual(caller);
      await b.cache.flush();
    }
    expect(await a.tokens.verify(token)).toEqual(caller);

    expect(await a.tokens.revoke(info.id)).toBe(true);
    expect(await b.tokens.verify(token)).toBeNull();
    expect(await a.tokens.verify(token)).toBeNull();
  });

  it('refuses a cached token once its principal is disabled, and narrows it when its scopes shrink', async () => {
    // The same two replicas: new ones would begin a new epoch, whose quiet period serves no hit.
    const [a, b] = replicas as [ReturnType<typeof replica>, ReturnType<typeof replica>];
    const hits = counts.get('hit') ?? 0;
    const name = `bot-${randomUUID()}`;
    const { principal } = await a.principals.set(name, ['read', 'write']);
    const { token } = await a.tokens.create(principal, ['read', 'write']);
    expect((await b.tokens.verify(token))?.scopes).toEqual(new Set(['read', 'write']));
    await b.cache.flush();
    expect((await a.tokens.verify(token))?.scopes).toEqual(new Set(['read', 'write']));
    expect(counts.get('hit') ?? 0).toBe(hits + 1);
    await a.principals.set(name, ['read']);
    expect((await b.tokens.verify(token))?.scopes).toEqual(new Set(['read']));
    await b.cache.flush();
    await a.principals.setDisabled(name, true);
    expect(await b.tokens.verify(token)).toBeNull();
    await a.principals.setDisabled(name, false);
    expect((await b.tokens.verify(token))?.scopes).toEqual(new Set(['read']));
    await a.principals.remove(name);
    expect(await b.tokens.verify(token)).toBeNull();
  });
});
