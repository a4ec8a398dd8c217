import { describe, expect, it } from 'vitest';
import { oneAtATime } from './one-at-a-time.js';

/** A task whose runs the test finishes by hand, in order. */
function manualTask() {
  const pending: (() => void)[] = [];
  let started = 0;
  const task = () =>
    new Promise<void>((resolve) => {
      started++;
      pending.push(resolve);
    });
  const finishNext = async () => {
    pending.shift()!();
    // Let the wrapper's `finally` run and start the next run, if any.
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { task, finishNext, started: () => started, pending: () => pending.length };
}

describe('oneAtATime', () => {
  it('keeps one run in flight and folds the calls made during it into one more run', async () => {
    const m = manualTask();
    const run = oneAtATime(m.task);
    run();
    run();
    run();
    run();
    expect(m.started()).toBe(1);
    await m.finishNext();
    expect(m.started()).toBe(2);
    expect(m.pending()).toBe(1);
    await m.finishNext();
    expect(m.started()).toBe(2);
    expect(m.pending()).toBe(0);
    run();
    expect(m.started()).toBe(3);
  });

  it('goes on after a run that fails', async () => {
    let calls = 0;
    const run = oneAtATime(() => {
      calls++;
      return Promise.reject(new Error('gateway away'));
    });
    run();
    run();
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(calls).toBe(2);
  });
});
