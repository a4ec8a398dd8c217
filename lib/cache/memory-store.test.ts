import { describe, expect, it } from 'vitest';
import { cacheStoreContract } from './contract/cache-store.contract.js';
import { readAndFill, request, valueOf } from './contract/harness.js';
import { MemoryStore } from './memory-store.js';

cacheStoreContract({
  kind: 'memory',
  open: () => Promise.resolve(new MemoryStore()),
});

describe('MemoryStore bounds', () => {
  it('keeps at most maxEntries entries, dropping the least recently used', async () => {
    const store = new MemoryStore({ maxEntries: 2 });
    const [a, b, c] = [request('a', 'x'), request('b', 'x'), request('c', 'x')];
    await readAndFill(store, a, 'a');
    await readAndFill(store, b, 'b');
    expect(valueOf((await store.read([a]))[0])).toBe('a'); // a is now the most recent
    await readAndFill(store, c, 'c');
    expect((await store.read([a, b, c])).map(valueOf)).toEqual(['a', undefined, 'c']);
  });

  it('draws a new stamp for a forgotten one, so entries recorded with the old stamp miss', async () => {
    const store = new MemoryStore({ maxEntries: 10, maxStamps: 1 });
    const onX = request('k', 'x');
    await readAndFill(store, onX, 'v');
    await store.read([request('other', 'y')]); // pushes x's stamp out
    expect((await store.read([onX]))[0]?.hit).toBe(false);
  });
});
