import fc from 'fast-check';
import type { FormattedExecutionResult } from 'graphql';
import { describe, expect, it, vi } from 'vitest';
import type { FeedEvent } from '../../lib/events/event-feed.js';
import type { Resolution } from './live-query.js';
import { LiveQuery } from './live-query.js';
import type { Deferred } from './test-support/deferred.js';
import { deferred } from './test-support/deferred.js';

/** Lets every queued promise reaction run (a macrotask turn runs after all microtasks): no wall clock. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

const FLOW = 'flow-1';
let positions = 0n;
const event = (type: string, flowId: string | null = FLOW): FeedEvent => ({
  type,
  flowId,
  sourceId: null,
  position: ++positions,
});
const updated = () => event('flows/updated');
const deleted = () => event('flows/deleted');
const elsewhere = () => event('flows/updated', 'flow-2');

const result = (n: number): FormattedExecutionResult => ({ data: { n } });

/** A LiveQuery whose runs are completed by hand: each `resolve()` call waits on its own deferred. */
function harness() {
  const runs: Deferred<FormattedExecutionResult | Resolution | null>[] = [];
  const resolve = vi.fn(() => {
    const run = deferred<FormattedExecutionResult | Resolution | null>();
    runs.push(run);
    return run.promise;
  });
  const onError = vi.fn();
  const detach = vi.fn();
  const live = new LiveQuery(
    (e) => e.flowId === FLOW,
    (e) => e.type === 'flows/deleted',
    resolve,
    onError,
  );
  live.attach(detach);
  /** Completes run `i` (0-based) and lets the stream react. */
  const complete = async (i: number, value: FormattedExecutionResult | Resolution | null) => {
    runs[i]!.resolve(value);
    await flush();
  };
  /** Starts a next() and reports its outcome once settled. */
  const take = () => {
    const state: { settled: boolean; value?: IteratorResult<FormattedExecutionResult> } = { settled: false };
    void live.next().then((r) => {
      state.settled = true;
      state.value = r;
    });
    return state;
  };
  return { live, runs, resolve, onError, detach, complete, take };
}

describe('LiveQuery', () => {
  it('runs resolve for each concerning event and yields its result; other events are ignored', async () => {
    const h = harness();
    h.live.listener(elsewhere());
    expect(h.resolve).not.toHaveBeenCalled();

    h.live.listener(updated());
    expect(h.resolve).toHaveBeenCalledTimes(1);
    const first = h.live.next();
    await h.complete(0, result(1));
    expect(await first).toEqual({ value: result(1), done: false });

    h.live.listener(updated());
    expect(h.resolve).toHaveBeenCalledTimes(2);
    await h.complete(1, result(2));
    // Taken after it arrived: it waited as the pending result.
    expect(await h.live.next()).toEqual({ value: result(2), done: false });
    expect(h.detach).not.toHaveBeenCalled();
  });

  it('is its own async iterator', () => {
    const h = harness();
    expect(h.live[Symbol.asyncIterator]()).toBe(h.live);
  });

  it('coalesces events during a run into exactly one more run', async () => {
    const h = harness();
    const taken = h.take();
    const first = updated();
    h.live.listener(first);
    h.live.listener(updated());
    h.live.listener(elsewhere());
    h.live.listener(updated());
    const last = updated();
    h.live.listener(last);
    expect(h.resolve).toHaveBeenCalledTimes(1);
    // Each run is told the newest concerning event it must reflect (SharedRuns relies on it).
    expect(h.resolve).toHaveBeenLastCalledWith(first.position);

    await h.complete(0, result(1));
    expect(taken.value).toEqual({ value: result(1), done: false });
    // The three events during the first run make one more run, not three.
    expect(h.resolve).toHaveBeenCalledTimes(2);
    expect(h.resolve).toHaveBeenLastCalledWith(last.position);
    const second = h.take();
    await h.complete(1, result(2));
    expect(second.value).toEqual({ value: result(2), done: false });
    expect(h.resolve).toHaveBeenCalledTimes(2);

    // Idle again: the next event starts a run at once.
    h.live.listener(updated());
    expect(h.resolve).toHaveBeenCalledTimes(3);
  });

  it('runs again only for events its result does not cover (a batch read by one poll: one run)', async () => {
    const h = harness();
    const taken = h.take();
    const first = updated();
    h.live.listener(first);
    // The rest of the same outbox read: committed before the run read anything.
    h.live.listener(updated());
    const third = updated();
    h.live.listener(third);
    await h.complete(0, { result: result(1), covers: third.position });
    expect(taken.value).toEqual({ value: result(1), done: false });
    expect(h.resolve).toHaveBeenCalledTimes(1);

    // An event the next run's result does not cover: one more run.
    const second = h.take();
    h.live.listener(updated());
    const late = updated();
    h.live.listener(late);
    await h.complete(1, { result: result(2), covers: late.position - 1n });
    expect(second.value).toEqual({ value: result(2), done: false });
    expect(h.resolve).toHaveBeenCalledTimes(3);
    expect(h.resolve).toHaveBeenLastCalledWith(late.position);
  });

  it('completes after a covering result when the deletion arrived during the run', async () => {
    const h = harness();
    h.live.listener(updated());
    const gone = deleted();
    h.live.listener(gone);
    const taken = h.take();
    await h.complete(0, { result: result(0), covers: gone.position });
    expect(taken.value).toEqual({ value: result(0), done: false });
    expect(h.resolve).toHaveBeenCalledTimes(1);
    expect(await h.live.next()).toEqual({ value: undefined, done: true });
    expect(h.detach).toHaveBeenCalled();
  });

  it('does not push a result equal to the last one pushed, when given fingerprints', async () => {
    const runs: Deferred<FormattedExecutionResult>[] = [];
    const live = new LiveQuery(
      (e) => e.flowId === FLOW,
      (e) => e.type === 'flows/deleted',
      () => {
        const run = deferred<FormattedExecutionResult>();
        runs.push(run);
        return run.promise;
      },
      () => {},
      (r) => JSON.stringify(r),
    );
    const taken: FormattedExecutionResult[] = [];
    const drain = async () => {
      for await (const r of live) taken.push(r);
    };
    const done = drain();
    for (const n of [1, 1, 2, 2, 1]) {
      live.listener(updated());
      runs.at(-1)!.resolve(result(n));
      await flush();
    }
    live.listener(deleted());
    runs.at(-1)!.resolve(result(1));
    await done;
    // The same state twice in a row is sent once; the deletion's state equals the last: nothing new,
    // and the stream still ends.
    expect(taken).toEqual([result(1), result(2), result(1)]);
  });

  it('replaces a result not yet taken by a newer one', async () => {
    const h = harness();
    h.live.listener(updated());
    h.live.listener(updated()); // coalesced: a second run follows the first
    await h.complete(0, result(1));
    await h.complete(1, result(2));
    h.live.listener(updated());
    await h.complete(2, result(3));

    expect(await h.live.next()).toEqual({ value: result(3), done: false });
    // Nothing older is left behind: the next next() waits for a new result.
    const waiting = h.take();
    await flush();
    expect(waiting.settled).toBe(false);
    h.live.listener(updated());
    await h.complete(3, result(4));
    expect(waiting.value).toEqual({ value: result(4), done: false });
  });

  it('yields the result of a final event and then completes, detaching', async () => {
    const h = harness();
    const taken = h.take();
    h.live.listener(deleted());
    expect(h.resolve).toHaveBeenCalledTimes(1);
    await h.complete(0, result(9));
    expect(taken.value).toEqual({ value: result(9), done: false });
    expect(h.detach).toHaveBeenCalledTimes(1);
    expect(await h.live.next()).toEqual({ value: undefined, done: true });

    // Events after the end are nobody's.
    h.live.listener(updated());
    expect(h.resolve).toHaveBeenCalledTimes(1);
  });

  it('keeps the final result for a next() that comes later, then completes', async () => {
    const h = harness();
    h.live.listener(deleted());
    await h.complete(0, result(9));
    expect(h.detach).not.toHaveBeenCalled();
    h.live.listener(updated()); // after the final event: ignored
    expect(h.resolve).toHaveBeenCalledTimes(1);

    expect(await h.live.next()).toEqual({ value: result(9), done: false });
    expect(h.detach).toHaveBeenCalledTimes(1);
    expect(await h.live.next()).toEqual({ value: undefined, done: true });
  });

  it('after a final event during a run, yields the run in flight and then the final state', async () => {
    const h = harness();
    h.live.listener(updated());
    h.live.listener(deleted()); // during run 0: one more run, the final one
    h.live.listener(updated()); // after the final event: ignored
    await h.complete(0, result(1));
    expect(h.resolve).toHaveBeenCalledTimes(2);

    // Taking run 0's result while the final run is in flight does not end the stream.
    expect(await h.live.next()).toEqual({ value: result(1), done: false });
    expect(h.detach).not.toHaveBeenCalled();
    const last = h.take();
    await h.complete(1, result(2));
    expect(last.value).toEqual({ value: result(2), done: false });
    expect(h.detach).toHaveBeenCalledTimes(1);
    expect(await h.live.next()).toEqual({ value: undefined, done: true });
    expect(h.resolve).toHaveBeenCalledTimes(2);
  });

  it('ends the stream when resolve returns null', async () => {
    const h = harness();
    const taken = h.take();
    h.live.listener(updated());
    await h.complete(0, null);
    expect(taken.value).toEqual({ value: undefined, done: true });
    expect(h.detach).toHaveBeenCalledTimes(1);
    h.live.listener(updated());
    expect(h.resolve).toHaveBeenCalledTimes(1);
  });

  it('ends after the result still pending when resolve returns null', async () => {
    const h = harness();
    h.live.listener(updated());
    h.live.listener(updated());
    await h.complete(0, result(1));
    await h.complete(1, null); // e.g. the caller's credentials were revoked
    expect(h.detach).not.toHaveBeenCalled();
    expect(await h.live.next()).toEqual({ value: result(1), done: false });
    expect(h.detach).toHaveBeenCalledTimes(1);
    expect(await h.live.next()).toEqual({ value: undefined, done: true });
  });

  it('detaches on return() even while next() is pending, and drops a run in flight', async () => {
    const h = harness();
    const waiting = h.take();
    h.live.listener(updated());
    h.live.listener(updated()); // would make a second run
    await flush();
    expect(waiting.settled).toBe(false);

    expect(await h.live.return()).toEqual({ value: undefined, done: true });
    expect(h.detach).toHaveBeenCalledTimes(1);
    await flush();
    expect(waiting.value).toEqual({ value: undefined, done: true });

    await h.complete(0, result(1));
    expect(h.resolve).toHaveBeenCalledTimes(1); // the coalesced run does not happen
    h.live.listener(updated());
    expect(h.resolve).toHaveBeenCalledTimes(1);
    expect(await h.live.next()).toEqual({ value: undefined, done: true });

    // Idempotent: detaches once.
    await h.live.return();
    expect(h.detach).toHaveBeenCalledTimes(1);
  });

  it('answers several next() calls made without waiting, in order, and ends all of them on return()', async () => {
    const h = harness();
    const first = h.take();
    const second = h.take();
    const third = h.take();
    h.live.listener(updated());
    await h.complete(0, result(1));
    expect(first).toEqual({ settled: true, value: { value: result(1), done: false } });
    expect(second.settled).toBe(false);
    h.live.listener(updated());
    await h.complete(1, result(2));
    expect(second).toEqual({ settled: true, value: { value: result(2), done: false } });
    await h.live.return();
    await flush();
    expect(third).toEqual({ settled: true, value: { value: undefined, done: true } });
  });

  it('drops a result not yet taken on return()', async () => {
    const h = harness();
    h.live.listener(updated());
    await h.complete(0, result(1));
    await h.live.return();
    expect(await h.live.next()).toEqual({ value: undefined, done: true });
  });

  it('detaches at once when attached after it ended', async () => {
    const live = new LiveQuery(
      () => true,
      () => false,
      () => Promise.resolve(result(1)),
      () => {},
    );
    await live.return();
    const detach = vi.fn();
    live.attach(detach);
    expect(detach).toHaveBeenCalledTimes(1);
  });

  it('on throw() detaches and rejects with the error', async () => {
    const h = harness();
    const boom = new Error('boom');
    await expect(h.live.throw(boom)).rejects.toBe(boom);
    expect(h.detach).toHaveBeenCalledTimes(1);
    await expect(h.live.throw('text')).rejects.toThrow('text');
    expect(await h.live.next()).toEqual({ value: undefined, done: true });
  });

  it('turns a resolve that throws into an INTERNAL_SERVER_ERROR result, reports it, and goes on', async () => {
    const h = harness();
    const taken = h.take();
    h.live.listener(updated());
    const failure = new Error('database is down');
    h.runs[0]!.reject(failure);
    await flush();

    expect(h.onError).toHaveBeenCalledTimes(1);
    expect(h.onError).toHaveBeenCalledWith(failure);
    expect(taken.settled).toBe(true);
    const value = taken.value!.value as FormattedExecutionResult;
    expect(taken.value!.done).toBe(false);
    expect(value.data).toBeUndefined();
    expect(value.errors).toHaveLength(1);
    expect(value.errors![0]!.extensions?.['code']).toBe('INTERNAL_SERVER_ERROR');
    // The server's error is not shown to the subscriber.
    expect(value.errors![0]!.message).not.toContain('database is down');
    expect(h.detach).not.toHaveBeenCalled();

    h.live.listener(updated());
    await h.complete(1, result(2));
    expect(await h.live.next()).toEqual({ value: result(2), done: false });
  });

  it('also catches a resolve that throws synchronously', async () => {
    const onError = vi.fn();
    const failure = new Error('sync');
    const live = new LiveQuery(
      () => true,
      () => false,
      () => {
        throw failure;
      },
      onError,
    );
    live.listener(updated());
    const { value } = (await live.next()) as IteratorYieldResult<FormattedExecutionResult>;
    expect(value.errors![0]!.extensions?.['code']).toBe('INTERNAL_SERVER_ERROR');
    expect(onError).toHaveBeenCalledWith(failure);
  });

  it('works with for await, ending on the final event', async () => {
    const h = harness();
    const seen: unknown[] = [];
    const consumer = (async () => {
      for await (const r of h.live) seen.push(r.data);
    })();
    h.live.listener(updated());
    await h.complete(0, result(1));
    h.live.listener(deleted());
    await h.complete(1, result(2));
    await consumer;
    expect(seen).toEqual([{ n: 1 }, { n: 2 }]);
    expect(h.detach).toHaveBeenCalledTimes(1);
  });

  type Step =
    | { readonly kind: 'event'; readonly concerns: boolean; readonly final: boolean }
    | { readonly kind: 'complete' }
    | { readonly kind: 'next' };

  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ kind: fc.constant('event' as const), concerns: fc.boolean(), final: fc.boolean() }),
    fc.constant({ kind: 'complete' as const }),
    fc.constant({ kind: 'next' as const }),
  );

  it('property: results in order, the last reflects the last event, at most one run per event', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
        // The model: the entity's state version, bumped by each concerning event until it is deleted.
        let version = 0;
        let deletedAt: number | null = null;
        let concerning = 0;
        let inFlight = 0;
        let maxInFlight = 0;
        const runs: { readonly version: number; readonly run: Deferred<FormattedExecutionResult | null> }[] =
          [];
        const resolve = vi.fn(() => {
          // A run reads the state as it is when it starts.
          const run = deferred<FormattedExecutionResult | null>();
          runs.push({ version, run });
          maxInFlight = Math.max(maxInFlight, ++inFlight);
          return run.promise;
        });
        const detach = vi.fn();
        const live = new LiveQuery(
          (e) => e.flowId === FLOW,
          (e) => e.type === 'flows/deleted',
          resolve,
          () => {},
        );
        live.attach(detach);

        const received: number[] = [];
        let outstanding = false;
        let ended = false;
        const next = () => {
          outstanding = true;
          void live.next().then((r) => {
            outstanding = false;
            if (r.done) ended = true;
            else received.push((r.value.data as { v: number }).v);
          });
        };
        const complete = () => {
          const { version: v, run } = runs.shift()!;
          inFlight--;
          run.resolve({ data: { v } });
        };

        for (const s of steps) {
          if (s.kind === 'event') {
            const accepted = s.concerns && deletedAt === null;
            if (accepted) {
              concerning++;
              version++;
              if (s.final) deletedAt = version;
            }
            live.listener(s.concerns ? (s.final ? deleted() : updated()) : elsewhere());
          } else if (s.kind === 'complete') {
            if (runs.length) complete();
          } else if (!outstanding && !ended) next();
          await flush();
        }
        // Drain: finish every run and take what remains.
        for (let i = 0; i < 1_000; i++) {
          if (!outstanding && !ended) next();
          await flush();
          if (runs.length) {
            complete();
            await flush();
            continue;
          }
          if (ended) break;
          if (outstanding) {
            // Waiting with no run in flight: nothing more will come.
            await live.return();
            await flush();
            break;
          }
        }

        expect(ended).toBe(true);
        expect(maxInFlight).toBeLessThanOrEqual(1);
        expect(resolve.mock.calls.length).toBeLessThanOrEqual(concerning);
        for (let i = 1; i < received.length; i++) expect(received[i]!).toBeGreaterThan(received[i - 1]!);
        if (concerning === 0) expect(received).toEqual([]);
        else expect(received.at(-1)).toBe(deletedAt ?? version);
        expect(detach).toHaveBeenCalledTimes(1);
      }),
      { numRuns: 300 },
    );
  });
});
