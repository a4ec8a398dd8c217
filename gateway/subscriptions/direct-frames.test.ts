import type { FormattedExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { framesThrough } from './direct-frames.js';
import { deferred } from './test-support/deferred.js';

/** Results handed out one at a time, ended by `end()` or by `return()`. */
function source() {
  const queue: FormattedExecutionResult[] = [];
  let waiting: ((r: IteratorResult<FormattedExecutionResult>) => void) | null = null;
  let ended = false;
  const iterator: AsyncIterableIterator<FormattedExecutionResult> & { returned: boolean } = {
    returned: false,
    next() {
      const value = queue.shift();
      if (value) return Promise.resolve({ value, done: false });
      if (ended) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => (waiting = resolve));
    },
    return() {
      iterator.returned = true;
      ended = true;
      waiting?.({ value: undefined, done: true });
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  const push = (value: FormattedExecutionResult) => {
    if (waiting) {
      const w = waiting;
      waiting = null;
      w({ value, done: false });
    } else queue.push(value);
  };
  const end = () => {
    ended = true;
    waiting?.({ value: undefined, done: true });
  };
  return { iterator, push, end };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('framesThrough', () => {
  it('sends each result as the next frame graphql-ws would send, then ends after the last', async () => {
    const { iterator, push, end } = source();
    const sent: string[] = [];
    const frames = framesThrough(
      iterator,
      'sub "1"',
      (r) => JSON.stringify(r),
      (t) => {
        sent.push(t);
        return Promise.resolve();
      },
    );
    const done = frames.next();
    const first = { data: { flowUpdated: { label: 'a "quoted" label', n: 1 } } };
    push(first);
    push({ errors: [{ message: 'gone', extensions: { code: 'NOT_FOUND' } }] });
    await flush();
    expect(sent.map((t) => JSON.parse(t) as unknown)).toEqual([
      { id: 'sub "1"', type: 'next', payload: first },
      {
        id: 'sub "1"',
        type: 'next',
        payload: { errors: [{ message: 'gone', extensions: { code: 'NOT_FOUND' } }] },
      },
    ]);
    // What graphql-ws's stringifyMessage makes of the same message.
    expect(sent[0]).toBe(JSON.stringify({ id: 'sub "1"', type: 'next', payload: first }));
    end();
    expect(await done).toEqual({ value: undefined, done: true });
  });

  it('waits for a frame to be written before taking the next result', async () => {
    const { iterator, push } = source();
    const writes: ReturnType<typeof deferred<void>>[] = [];
    const sent: string[] = [];
    const frames = framesThrough(
      iterator,
      '1',
      (r) => JSON.stringify(r),
      (t) => {
        sent.push(t);
        const write = deferred<void>();
        writes.push(write);
        return write.promise;
      },
    );
    void frames.next();
    push({ data: { n: 1 } });
    push({ data: { n: 2 } });
    await flush();
    expect(sent).toHaveLength(1);
    writes[0]!.resolve();
    await flush();
    expect(sent).toHaveLength(2);
  });

  it('ends the results on return() (client complete, socket closed)', async () => {
    const { iterator } = source();
    const frames = framesThrough(
      iterator,
      '1',
      (r) => JSON.stringify(r),
      async () => {},
    );
    const done = frames.next();
    expect(await frames.return!()).toEqual({ value: undefined, done: true });
    expect(iterator.returned).toBe(true);
    expect(await done).toEqual({ value: undefined, done: true });
  });
});
