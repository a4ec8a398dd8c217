import { randomUUID } from 'node:crypto';
import type { CacheStore, EntryRequest, ReadResult, Stamps } from '../cache-store.js';

/** Something a store keeps that a hand (or an eviction) can remove; the Redis harness can do it. */
export type Evictable =
  | { readonly kind: 'seq' }
  | { readonly kind: 'meta' }
  | { readonly kind: 'stamp'; readonly dep: string }
  | { readonly kind: 'entry'; readonly key: string };

/** What each adapter provides to run the shared cache-store contract. */
export interface StoreHarness {
  readonly kind: 'memory' | 'redis';
  /** A store of its own (Redis: its own key prefix), so tests do not see each other's entries. */
  open(): Promise<CacheStore>;
  /** Removes what an eviction could remove. Stores that cannot lose parts of their state leave it out. */
  evict?(store: CacheStore, what: Evictable): Promise<void>;
}

/** Keys and dependencies unique to a test. */
export const unique = (label: string): string => `${label}-${randomUUID()}`;

export const request = (key: string, ...deps: string[]): EntryRequest => ({ key, deps });

export function stampsOf(result: ReadResult | undefined): Stamps {
  if (!result || result.hit) throw new Error('expected a miss, which carries the stamps to fill with');
  return result.stamps;
}

export const valueOf = (result: ReadResult | undefined): string | undefined =>
  result?.hit ? result.value.toString('utf8') : undefined;

/** Reads one entry and, when it misses, fills it with `value` using the stamps the read returned. */
export async function readAndFill(
  store: CacheStore,
  r: EntryRequest,
  value: string,
  ttlMs = 60_000,
): Promise<void> {
  const [result] = await store.read([r]);
  await store.fill([{ ...r, stamps: stampsOf(result), value, ttlMs }]);
}
