import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../test-support/eventually.js';
import type { CacheStore, EntryRequest, Stamps } from '../cache-store.js';
import type { Evictable, StoreHarness } from './harness.js';
import { readAndFill, request, stampsOf, unique, valueOf } from './harness.js';

/**
 * The cache-store contract: the memory store and the Redis store pass the same suite (the habit of the
 * executor's contract). Each adapter's test file calls this with its harness; names carry the adapter.
 */
export function cacheStoreContract(harness: StoreHarness): void {
  describe(`cache store contract [${harness.kind}]`, () => {
    let opened: CacheStore | undefined;
    beforeAll(async () => {
      opened = await harness.open();
    });
    afterAll(async () => {
      await opened?.close();
    });
    const store = () => {
      if (!opened) throw new Error(`the ${harness.kind} store did not open`);
      return opened;
    };

    describe('reads and fills', () => {
      it('misses an entry never filled, returning the epoch and one stamp per dependency', async () => {
        const [result] = await store().read([request(unique('k'), unique('a'), unique('b'))]);
        expect(result?.hit).toBe(false);
        const stamps = stampsOf(result);
        expect(stamps.epoch).toMatch(/^\d+$/);
        expect(stamps.deps).toHaveLength(2);
        for (const stamp of stamps.deps) expect(stamp).toMatch(/^\d+$/);
        expect(new Set(stamps.deps).size).toBe(2);
      });

      it('returns the same stamps to every read until a bump, so concurrent loaders agree', async () => {
        const r = request(unique('k'), unique('dep'));
        const [first] = await store().read([r]);
        const [second] = await store().read([r]);
        expect(stampsOf(second)).toEqual(stampsOf(first));
      });

      it('hits after a fill with the stamps the read returned, until the time to live ends', async () => {
        const r = request(unique('k'), unique('dep'));
        await readAndFill(store(), r, 'value');
        expect(valueOf((await store().read([r]))[0])).toBe('value');
        expect(valueOf((await store().read([r]))[0])).toBe('value');
      });

      it('hits an entry without dependencies (only the epoch guards it)', async () => {
        const r = request(unique('k'));
        await readAndFill(store(), r, 'plain');
        expect(valueOf((await store().read([r]))[0])).toBe('plain');
      });

      it('misses when the request names other dependencies than the entry recorded', async () => {
        const key = unique('k');
        const dep = unique('dep');
        await readAndFill(store(), request(key, dep), 'v');
        expect((await store().read([request(key, dep, unique('other'))]))[0]?.hit).toBe(false);
        expect((await store().read([request(key)]))[0]?.hit).toBe(false);
        expect((await store().read([request(key, unique('other'))]))[0]?.hit).toBe(false);
        expect(valueOf((await store().read([request(key, dep)]))[0])).toBe('v');
      });

      it('expires an entry after its time to live', async () => {
        const r = request(unique('k'), unique('dep'));
        await readAndFill(store(), r, 'short-lived', 5);
        await eventually(async () => (await store().read([r]))[0]?.hit === false, 'the entry to expire');
      });

      it('keeps values byte for byte: every byte value, empty values, non-ASCII text', async () => {
        const bytes = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));
        const cases: [EntryRequest, Buffer | string][] = [
          [request(unique('bin')), bytes],
          [request(unique('empty')), Buffer.alloc(0)],
          [request(unique('text')), 'flöw — 流 \u0000 \r\n 🎬'],
        ];
        const results = await store().read(cases.map(([r]) => r));
        await store().fill(
          cases.map(([r, value], i) => ({ ...r, stamps: stampsOf(results[i]), value, ttlMs: 60_000 })),
        );
        const hits = await store().read(cases.map(([r]) => r));
        hits.forEach((hit, i) => {
          expect(hit.hit).toBe(true);
          if (hit.hit) expect(hit.value.equals(Buffer.from(cases[i]![1]))).toBe(true);
        });
      });

      it('accepts keys and dependencies with separators, spaces and non-ASCII characters', async () => {
        const r = request(`${unique('k')}:a b/ç:\u00e9`, `${unique('flow')}: x`, `${unique('source')}/ü`);
        await readAndFill(store(), r, 'odd');
        expect(valueOf((await store().read([r]))[0])).toBe('odd');
      });

      it('returns a copy: changing a returned value changes nothing stored', async () => {
        const r = request(unique('k'));
        await readAndFill(store(), r, 'abc');
        const [first] = await store().read([r]);
        if (first?.hit) first.value.fill(0);
        expect(valueOf((await store().read([r]))[0])).toBe('abc');
      });

      it.each([1, 100, 1000])('reads and fills a batch of %i in order, in one call each', async (size) => {
        const shared = unique('shared');
        const requests = Array.from({ length: size }, (_, i) =>
          request(unique(`k${i}`), unique(`d${i}`), shared),
        );
        const misses = await store().read(requests);
        expect(misses.every((m) => !m.hit)).toBe(true);
        await store().fill(
          requests.map((r, i) => ({ ...r, stamps: stampsOf(misses[i]), value: `v${i}`, ttlMs: 60_000 })),
        );
        const hits = await store().read(requests);
        expect(hits.map(valueOf)).toEqual(requests.map((_, i) => `v${i}`));
        // One dependency in every other entry is bumped: exactly those miss.
        await store().bump(requests.filter((_, i) => i % 2 === 1).map((r) => r.deps[0]!));
        const after = await store().read(requests);
        expect(after.map((a) => a.hit)).toEqual(requests.map((_, i) => i % 2 === 0));
        // And the shared one invalidates them all.
        await store().bump([shared]);
        expect((await store().read(requests)).some((a) => a.hit)).toBe(false);
      });

      it('reads and writes nothing for empty batches', async () => {
        expect(await store().read([])).toEqual([]);
        await store().fill([]);
        await store().bump([]);
        expect(await store().getImmutable([])).toEqual([]);
        await store().setImmutable([]);
      });
    });

    describe('invalidation', () => {
      it('a bump makes every entry depending on the dependency miss, and only those', async () => {
        const [x, y] = [unique('x'), unique('y')];
        const onX = request(unique('onX'), x);
        const onXY = request(unique('onXY'), x, y);
        const onY = request(unique('onY'), y);
        const none = request(unique('none'));
        for (const r of [onX, onXY, onY, none]) await readAndFill(store(), r, r.key);
        await store().bump([x]);
        const results = await store().read([onX, onXY, onY, none]);
        expect(results.map((r) => r.hit)).toEqual([false, false, true, true]);
        // The misses carry new stamps for x and the unchanged one for y.
        const xy = stampsOf(results[1]);
        await store().fill([{ ...onXY, stamps: xy, value: 'again', ttlMs: 60_000 }]);
        expect(valueOf((await store().read([onXY]))[0])).toBe('again');
      });

      it('a fill with stamps read before a bump never becomes a hit (read → bump → fill → read)', async () => {
        const r = request(unique('k'), unique('dep'));
        const [before] = await store().read([r]);
        await store().bump([r.deps[0]!]);
        await store().fill([{ ...r, stamps: stampsOf(before), value: 'stale', ttlMs: 60_000 }]);
        for (let i = 0; i < 3; i++) expect((await store().read([r]))[0]?.hit).toBe(false);
      });

      it('an outdated fill does not replace a newer entry', async () => {
        const r = request(unique('k'), unique('dep'));
        const [old] = await store().read([r]);
        await store().bump([r.deps[0]!]);
        const [fresh] = await store().read([r]);
        await store().fill([{ ...r, stamps: stampsOf(fresh), value: 'new', ttlMs: 60_000 }]);
        await store().fill([{ ...r, stamps: stampsOf(old), value: 'old', ttlMs: 60_000 }]);
        expect(valueOf((await store().read([r]))[0])).toBe('new');
      });

      it('stamps only grow: a bump never gives back an earlier stamp', async () => {
        const dep = unique('dep');
        const seen: bigint[] = [];
        for (let i = 0; i < 5; i++) {
          seen.push(BigInt(stampsOf((await store().read([request(unique('k'), dep)]))[0]).deps[0]!));
          await store().bump([dep]);
        }
        expect([...seen].sort((a, b) => (a < b ? -1 : 1))).toEqual(seen);
        expect(new Set(seen).size).toBe(seen.length);
      });

      it('an epoch bump makes every entry miss, and fills with stamps from before it are refused', async () => {
        const a = request(unique('a'), unique('dep'));
        const b = request(unique('b'));
        await readAndFill(store(), a, 'a');
        await readAndFill(store(), b, 'b');
        const [pending] = await store().read([request(unique('c'), unique('dep'))]);
        const before = stampsOf(pending);
        await store().bumpEpoch();
        expect((await store().read([a, b])).map((r) => r.hit)).toEqual([false, false]);
        const c = request(unique('c2'), unique('dep'));
        await store().fill([
          {
            ...c,
            stamps: { ...before, deps: stampsOf((await store().read([c]))[0]).deps },
            value: 'x',
            ttlMs: 60_000,
          },
        ]);
        expect((await store().read([c]))[0]?.hit).toBe(false);
        const [after] = await store().read([a]);
        expect(BigInt(stampsOf(after).epoch)).toBeGreaterThan(BigInt(before.epoch));
        await store().fill([{ ...a, stamps: stampsOf(after), value: 'a2', ttlMs: 60_000 }]);
        expect(valueOf((await store().read([a]))[0])).toBe('a2');
      });
    });

    describe('immutable entries', () => {
      it('stores content-addressed values with a time to live, byte for byte, in batches', async () => {
        const keys = [unique('sha'), unique('sha'), unique('sha')];
        expect(await store().getImmutable(keys)).toEqual([undefined, undefined, undefined]);
        const binary = Buffer.from([0, 1, 254, 255]);
        await store().setImmutable([
          { key: keys[0]!, value: 'query { flows { id } }', ttlMs: 60_000 },
          { key: keys[1]!, value: binary, ttlMs: 60_000 },
        ]);
        const [text, bytes, none] = await store().getImmutable(keys);
        expect(text?.toString()).toBe('query { flows { id } }');
        expect(bytes?.equals(binary)).toBe(true);
        expect(none).toBeUndefined();
      });

      it('expires immutable values after their time to live, and an epoch bump leaves them be', async () => {
        const [short, long] = [unique('short'), unique('long')];
        await store().setImmutable([
          { key: short, value: 's', ttlMs: 5 },
          { key: long, value: 'l', ttlMs: 60_000 },
        ]);
        await store().bumpEpoch();
        expect((await store().getImmutable([long]))[0]?.toString()).toBe('l');
        await eventually(
          async () => (await store().getImmutable([short]))[0] === undefined,
          'the value to expire',
        );
      });
    });

    describe('interleavings', () => {
      it('never hits a value older than the last acknowledged write, whatever the order of steps', async () => {
        await fc.assert(
          fc.asyncProperty(stepsArbitrary(!!harness.evict), (steps) => runModel(store(), harness, steps)),
          {
            numRuns: harness.kind === 'redis' ? 600 : 200,
          },
        );
      });
    });
  });
}

/**
 * A model of writers and loaders sharing the store. A writer commits (the database's version of a
 * dependency grows), then bumps, then acknowledges; a loader reads the stamps, loads from the database
 * (maybe much later), then fills. Any step may happen between any two others, including hand evictions.
 */
type Step =
  | { readonly op: 'commit'; readonly dep: number }
  | { readonly op: 'bumpAndAck'; readonly dep: number }
  | { readonly op: 'startLoad'; readonly key: number }
  | { readonly op: 'loadFromDatabase'; readonly loader: number }
  | { readonly op: 'fill'; readonly loader: number }
  | { readonly op: 'check'; readonly key: number }
  | { readonly op: 'epoch' }
  | { readonly op: 'evict'; readonly what: 'seq' | 'meta' | 'stamp' | 'entry'; readonly index: number };

const DEPS = 3;
const KEYS = 4;
/** Key i depends on dependency i % DEPS, and key 3 on two of them. */
const depsOfKey = (key: number): number[] => (key === 3 ? [0, 1] : [key % DEPS]);

function stepsArbitrary(withEvictions: boolean): fc.Arbitrary<Step[]> {
  const dep = fc.integer({ min: 0, max: DEPS - 1 });
  const key = fc.integer({ min: 0, max: KEYS - 1 });
  const loader = fc.integer({ min: 0, max: 7 });
  // Weighted so that entries often get filled and checked before something invalidates them all.
  const steps: { arbitrary: fc.Arbitrary<Step>; weight: number }[] = [
    { weight: 2, arbitrary: dep.map((d) => ({ op: 'commit' as const, dep: d })) },
    { weight: 2, arbitrary: dep.map((d) => ({ op: 'bumpAndAck' as const, dep: d })) },
    { weight: 3, arbitrary: key.map((k) => ({ op: 'startLoad' as const, key: k })) },
    { weight: 3, arbitrary: loader.map((l) => ({ op: 'loadFromDatabase' as const, loader: l })) },
    { weight: 3, arbitrary: loader.map((l) => ({ op: 'fill' as const, loader: l })) },
    { weight: 4, arbitrary: key.map((k) => ({ op: 'check' as const, key: k })) },
    { weight: 1, arbitrary: fc.constant({ op: 'epoch' as const }) },
  ];
  if (withEvictions) {
    steps.push({
      weight: 1,
      arbitrary: fc
        .record({
          what: fc.constantFrom('seq', 'meta', 'stamp', 'entry'),
          index: fc.integer({ min: 0, max: 3 }),
        })
        .map((e) => ({ op: 'evict' as const, ...e })),
    });
  }
  return fc.array(fc.oneof(...steps), { minLength: 10, maxLength: 80, size: 'max' });
}

async function runModel(store: CacheStore, harness: StoreHarness, steps: Step[]): Promise<void> {
  const run = unique('run');
  const depName = (d: number) => `${run}:dep${d}`;
  const requestOf = (k: number): EntryRequest => ({ key: `${run}:key${k}`, deps: depsOfKey(k).map(depName) });
  const database = new Array<number>(DEPS).fill(0);
  const acknowledged = new Array<number>(DEPS).fill(0);
  const loaders: { key: number; stamps: Stamps; loaded?: number[] }[] = [];
  const check = (key: number, value: string) => {
    const versions = JSON.parse(value) as number[];
    depsOfKey(key).forEach((d, i) => {
      expect(
        versions[i],
        `key ${key} served dependency ${d} at version ${versions[i]} after version ${acknowledged[d]} was acknowledged`,
      ).toBeGreaterThanOrEqual(acknowledged[d]!);
    });
  };
  for (const step of steps) {
    switch (step.op) {
      case 'commit':
        database[step.dep]! += 1;
        break;
      case 'bumpAndAck': {
        const committed = database[step.dep]!;
        await store.bump([depName(step.dep)]);
        acknowledged[step.dep] = committed;
        break;
      }
      case 'startLoad': {
        const [result] = await store.read([requestOf(step.key)]);
        if (result?.hit) check(step.key, result.value.toString());
        else loaders.push({ key: step.key, stamps: stampsOf(result) });
        break;
      }
      case 'loadFromDatabase': {
        const loader = loaders[step.loader % Math.max(1, loaders.length)];
        if (loader && !loader.loaded) loader.loaded = depsOfKey(loader.key).map((d) => database[d]!);
        break;
      }
      case 'fill': {
        const loader = loaders[step.loader % Math.max(1, loaders.length)];
        if (!loader?.loaded) break;
        await store.fill([
          {
            ...requestOf(loader.key),
            stamps: loader.stamps,
            value: JSON.stringify(loader.loaded),
            ttlMs: 60_000,
          },
        ]);
        loaders.splice(loaders.indexOf(loader), 1);
        break;
      }
      case 'check': {
        const [result] = await store.read([requestOf(step.key)]);
        if (result?.hit) check(step.key, result.value.toString());
        break;
      }
      case 'epoch':
        await store.bumpEpoch();
        break;
      case 'evict': {
        const what: Evictable =
          step.what === 'stamp'
            ? { kind: 'stamp', dep: depName(step.index % DEPS) }
            : step.what === 'entry'
              ? { kind: 'entry', key: requestOf(step.index % KEYS).key }
              : { kind: step.what };
        await harness.evict?.(store, what);
        break;
      }
    }
  }
}
