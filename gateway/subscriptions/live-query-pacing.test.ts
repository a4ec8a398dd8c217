import type { FormattedExecutionResult } from 'graphql';
import { describe, expect, it, vi } from 'vitest';
import type { FeedEvent } from '../../lib/events/event-feed.js';
import { LiveQuery } from './live-query.js';
import type { Pacing } from './subscription-fields.js';
import type { Deferred } from './test-support/deferred.js';
import { deferred } from './test-support/deferred.js';
import { ManualClock } from './test-support/manual-clock.js';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

let positions = 0n;
const event = (type = 'flows/updated'): FeedEvent => ({
  type,
  flowId: 'f',
  sourceId: null,
  position: ++positions,
});

/** A paced LiveQuery on a manual clock whose runs are completed by hand. */
function paced(pacing: Pacing) {
  const clock = new ManualClock();
  const runs: Deferred<FormattedExecutionResult | null>[] = [];
  const resolve = vi.fn(() => {
    const run = deferred<FormattedExecutionResult | null>();
    runs.push(run);
    return run.promise;
  });
  const live = new LiveQuery(
    () => true,
    (e) => e.type === 'flows/deleted',
    resolve,
    vi.fn(),
    (r) => JSON.stringify(r),
    pacing,
    clock,
  );
  const complete = async (i: number, n: number | null) => {
    runs[i]!.resolve(n === null ? null : { data: { n } });
    await flush();
  };
  return { clock, runs, resolve, live, complete };
}

describe('LiveQuery with pacing', () => {
  it('starts with the current state as soon as it is attached', async () => {
    const { live, resolve, complete } = paced({ minIntervalMs: 1000, heartbeatMs: null });
    expect(resolve).not.toHaveBeenCalled();
    live.attach(() => {});
    expect(resolve).toHaveBeenCalledTimes(1);
    await complete(0, 1);
    expect(await live.next()).toEqual({ value: { data: { n: 1 } }, done: false });
  });

  it('runs at most once per interval, events meanwhile coalescing into one run at its end', async () => {
    const { live, clock, resolve, complete } = paced({ minIntervalMs: 1000, heartbeatMs: null });
    live.attach(() => {});
    await complete(0, 1);
    for (let i = 0; i < 5; i++) live.listener(event());
    clock.advance(999);
    expect(resolve).toHaveBeenCalledTimes(1);
    clock.advance(1);
    expect(resolve).toHaveBeenCalledTimes(2);
    await complete(1, 2);
    // Quiet: nothing more runs, however long.
    clock.advance(60_000);
    expect(resolve).toHaveBeenCalledTimes(2);
    // An event long after the last run runs at once.
    live.listener(event());
    expect(resolve).toHaveBeenCalledTimes(3);
  });

  it('holds events during a run until the interval since that run started has passed', async () => {
    const { live, clock, resolve, complete } = paced({ minIntervalMs: 1000, heartbeatMs: null });
    live.attach(() => {});
    clock.advance(300);
    live.listener(event()); // during the first run
    await complete(0, 1);
    expect(resolve).toHaveBeenCalledTimes(1);
    clock.advance(699);
    expect(resolve).toHaveBeenCalledTimes(1);
    clock.advance(1);
    expect(resolve).toHaveBeenCalledTimes(2);
  });

  it('runs on the heartbeat without events, and sends only states that changed', async () => {
    const { live, clock, resolve, complete } = paced({ minIntervalMs: 1000, heartbeatMs: 5000 });
    live.attach(() => {});
    await complete(0, 1);
    expect(await live.next()).toEqual({ value: { data: { n: 1 } }, done: false });
    clock.advance(5000);
    expect(resolve).toHaveBeenCalledTimes(2);
    await complete(1, 1); // the same state: not sent again
    clock.advance(5000);
    expect(resolve).toHaveBeenCalledTimes(3);
    await complete(2, 2);
    expect(await live.next()).toEqual({ value: { data: { n: 2 } }, done: false });
  });

  it('an event resets the heartbeat: it runs heartbeatMs after the last run', async () => {
    const { live, clock, resolve, complete } = paced({ minIntervalMs: 1000, heartbeatMs: 5000 });
    live.attach(() => {});
    await complete(0, 1);
    clock.advance(4000);
    live.listener(event());
    expect(resolve).toHaveBeenCalledTimes(2);
    await complete(1, 2);
    clock.advance(4999);
    expect(resolve).toHaveBeenCalledTimes(2);
    clock.advance(1);
    expect(resolve).toHaveBeenCalledTimes(3);
  });

  it('leaves no timer behind when it ends', async () => {
    const { live, clock, complete } = paced({ minIntervalMs: 1000, heartbeatMs: 5000 });
    live.attach(() => {});
    await complete(0, 1);
    live.listener(event()); // within the interval: a paced run is scheduled, beside the heartbeat
    expect(clock.pending).toBe(2);
    await live.return();
    expect(clock.pending).toBe(0);
  });

  it('completes after the final event, without heartbeats after it', async () => {
    const { live, clock, resolve, complete } = paced({ minIntervalMs: 1000, heartbeatMs: 5000 });
    live.attach(() => {});
    await complete(0, 1);
    await live.next();
    clock.advance(2000);
    live.listener(event('flows/deleted'));
    expect(resolve).toHaveBeenCalledTimes(2);
    await complete(1, null);
    expect(await live.next()).toEqual({ value: undefined, done: true });
    clock.advance(60_000);
    expect(resolve).toHaveBeenCalledTimes(2);
  });
});
