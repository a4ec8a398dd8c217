import type { FormattedExecutionResult } from 'graphql';
import { describe, expect, it, vi } from 'vitest';
import type { FeedEvent } from '../../lib/events/event-feed.js';
import { EventStream } from './event-stream.js';
import type { Deferred } from './test-support/deferred.js';
import { deferred } from './test-support/deferred.js';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

let positions = 0n;
const event = (flowId = 'f'): FeedEvent => ({
  type: 'flows/segments_added',
  flowId,
  sourceId: null,
  position: ++positions,
});

/** An EventStream for flow `f` whose resolutions are completed by hand, in any order. */
function harness(maxBehind?: number) {
  const pending = new Map<bigint, Deferred<FormattedExecutionResult | null>>();
  const resolve = vi.fn((position: bigint) => {
    const run = deferred<FormattedExecutionResult | null>();
    pending.set(position, run);
    return run.promise;
  });
  const onError = vi.fn();
  const detach = vi.fn();
  const stream = new EventStream((e) => e.flowId === 'f', resolve, onError, maxBehind);
  stream.attach(detach);
  const complete = async (
    position: bigint,
    value: FormattedExecutionResult | null = { data: { position: String(position) } },
  ) => {
    pending.get(position)!.resolve(value);
    await flush();
  };
  return { stream, resolve, onError, detach, complete };
}

describe('EventStream', () => {
  it('delivers every concerning event once, in order, one resolution at a time', async () => {
    const { stream, resolve, complete } = harness();
    const [a, b, c] = [event(), event('other'), event()];
    stream.listener(a);
    stream.listener(b);
    stream.listener(c);
    expect(resolve).toHaveBeenCalledTimes(1); // c waits for a
    await complete(a.position);
    expect(resolve).toHaveBeenLastCalledWith(c.position);
    await complete(c.position);
    expect(await stream.next()).toEqual({ value: { data: { position: String(a.position) } }, done: false });
    expect(await stream.next()).toEqual({ value: { data: { position: String(c.position) } }, done: false });
    expect(resolve.mock.calls.map(([p]) => p)).toEqual([a.position, c.position]);
  });

  it('hands a result to a next() that was already waiting', async () => {
    const { stream, complete } = harness();
    const waiting = stream.next();
    const a = event();
    stream.listener(a);
    await complete(a.position);
    expect(await waiting).toEqual({ value: { data: { position: String(a.position) } }, done: false });
  });

  it('ends a subscriber that falls too far behind with one SUBSCRIBER_TOO_SLOW error, after what it had', async () => {
    const { stream, detach, complete } = harness(3);
    const events = [event(), event(), event(), event()];
    for (const e of events.slice(0, 3)) stream.listener(e);
    await complete(events[0]!.position);
    await complete(events[1]!.position);
    // Two results not taken, one resolving: a fourth event is one too many.
    stream.listener(events[3]!);
    expect(detach).toHaveBeenCalledTimes(1);
    const taken: FormattedExecutionResult[] = [];
    for (;;) {
      const next = await stream.next();
      if (next.done) break;
      taken.push(next.value);
    }
    expect(taken.slice(0, 2).map((r) => r.data)).toEqual([
      { position: String(events[0]!.position) },
      { position: String(events[1]!.position) },
    ]);
    expect(taken).toHaveLength(3);
    expect(taken[2]!.errors?.[0]?.extensions?.['code']).toBe('SUBSCRIBER_TOO_SLOW');
  });

  it('turns a resolution that throws into an INTERNAL_SERVER_ERROR result and goes on', async () => {
    const { stream, onError, resolve } = harness();
    const a = event();
    const b = event();
    resolve.mockImplementationOnce(() => Promise.reject(new Error('boom')));
    stream.listener(a);
    stream.listener(b);
    await flush();
    expect(onError).toHaveBeenCalledTimes(1);
    const first = await stream.next();
    expect(first.done).toBe(false);
    expect((first.value as FormattedExecutionResult).errors?.[0]?.extensions?.['code']).toBe(
      'INTERNAL_SERVER_ERROR',
    );
    expect(resolve).toHaveBeenLastCalledWith(b.position);
  });

  it('ends when a resolution returns null (the caller is gone)', async () => {
    const { stream, detach, complete } = harness();
    const a = event();
    stream.listener(a);
    await complete(a.position, null);
    expect(detach).toHaveBeenCalledTimes(1);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('detaches once on return(), ends waiting next() calls and ignores later events', async () => {
    const { stream, detach, resolve } = harness();
    const waiting = stream.next();
    await stream.return();
    await stream.return();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(detach).toHaveBeenCalledTimes(1);
    stream.listener(event());
    expect(resolve).not.toHaveBeenCalled();
  });

  it('drops a resolution that finishes after return()', async () => {
    const { stream, complete } = harness();
    const a = event();
    stream.listener(a);
    await stream.return();
    await complete(a.position);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });
});
