import { expect, it } from 'vitest';
import { CoherentCache } from './coherent-cache.js';
import { MemoryStore } from './memory-store.js';
import { VersionWatchedStore } from './watched-store.js';

/** A database as the cache sees it: one row, and a version other processes' commits move. */
function world() {
  let value = 'old';
  let version = 1;
  let loads = 0;
  const cache = new CoherentCache(new VersionWatchedStore(new MemoryStore(), () => version));
  const space = cache.space<string>({ name: 'row', ttlMs: 60_000 });
  const read = async () =>
    (
      await space.loadMany([{ key: 'k', deps: ['row:k'] }], () => {
        loads++;
        return Promise.resolve([value]);
      })
    )[0];
  return {
    cache,
    read,
    loads: () => loads,
    /** Another process commits: the value changes and so does the version, and nobody invalidates. */
    writeElsewhere(next: string) {
      value = next;
      version++;
    },
  };
}

it('serves hits while nobody else wrote, and never a value from before another process wrote', async () => {
  const w = world();
  await w.cache.whenEnabled();
  expect(await w.read()).toBe('old');
  await w.cache.flush();
  expect(await w.read()).toBe('old');
  expect(w.loads()).toBe(1);

  w.writeElsewhere('new');
  expect(await w.read()).toBe('new');
  expect(w.loads()).toBe(2);
  await w.cache.flush();
  expect(await w.read()).toBe('new');
  expect(w.loads()).toBe(2);
  await w.cache.close();
});

it('does not keep a value loaded before a write that landed while it was being loaded', async () => {
  let version = 1;
  let value = 'old';
  const cache = new CoherentCache(new VersionWatchedStore(new MemoryStore(), () => version));
  const space = cache.space<string>({ name: 'row', ttlMs: 60_000 });
  await cache.whenEnabled();
  const first = await space.loadMany([{ key: 'k', deps: ['row:k'] }], () => {
    const seen = value; // read before the other process's commit...
    value = 'new';
    version++; // ...which lands before the fill
    return Promise.resolve([seen]);
  });
  expect(first).toEqual(['old']); // concurrent with the write: either answer is right
  await cache.flush();
  const next = await space.loadMany([{ key: 'k', deps: ['row:k'] }], () => Promise.resolve([value]));
  expect(next).toEqual(['new']);
  await cache.close();
});

it('checks the version at the first read of each request, and a later request sees a write between them', async () => {
  let version = 1;
  let value = 'old';
  let checks = 0;
  let request: object | undefined;
  const store = new VersionWatchedStore(
    new MemoryStore(),
    () => {
      checks++;
      return version;
    },
    () => request,
  );
  const cache = new CoherentCache(store);
  const space = cache.space<string>({ name: 'row', ttlMs: 60_000 });
  const read = async () =>
    (await space.loadMany([{ key: 'k', deps: ['row:k'] }], () => Promise.resolve([value])))[0];
  await cache.whenEnabled();
  expect(await read()).toBe('old'); // outside any request: checked
  await cache.flush();

  request = {};
  const before = checks;
  expect(await read()).toBe('old');
  expect(await read()).toBe('old');
  expect(checks - before).toBe(1); // one check for the request's reads

  // Another process commits while the request runs: concurrent with it, either answer is right.
  value = 'new';
  version++;
  request = {}; // the next request began after the commit: it must see it
  expect(await read()).toBe('new');
  expect(checks - before).toBe(2);
  await cache.close();
});
