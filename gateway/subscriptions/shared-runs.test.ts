import { describe, expect, it } from 'vitest';
import { SharedRuns } from './shared-runs.js';
import { deferred } from './test-support/deferred.js';

describe('SharedRuns', () => {
  it('lets subscribers woken by the same event join one run', async () => {
    const runs = new SharedRuns<string>();
    const first = deferred<string>();
    let started = 0;
    const run = () => {
      started++;
      return first.promise;
    };
    const a = runs.run('k', 5n, 5n, run);
    const b = runs.run('k', 5n, 7n, run);
    const c = runs.run('k', 3n, 7n, run);
    expect(started).toBe(1);
    first.resolve('state at 5');
    expect(await Promise.all([a, b, c])).toEqual(['state at 5', 'state at 5', 'state at 5']);
    expect(runs.size).toBe(0);
  });

  it('starts a new run for an event the run in flight may not see', async () => {
    const runs = new SharedRuns<string>();
    const old = deferred<string>();
    const fresh = deferred<string>();
    const a = runs.run('k', 5n, 5n, () => old.promise);
    // Woken by event 6: the run that started at 5 may have read the state before it.
    const b = runs.run('k', 6n, 6n, () => fresh.promise);
    // Woken by event 6 too, after b started at 6: joins b.
    const c = runs.run('k', 6n, 6n, () => Promise.reject(new Error('not started')));
    old.resolve('state at 5');
    fresh.resolve('state at 6');
    expect(await Promise.all([a, b, c])).toEqual(['state at 5', 'state at 6', 'state at 6']);
    expect(runs.size).toBe(0);
  });

  it('keeps keys apart', async () => {
    const runs = new SharedRuns<string>();
    const results = await Promise.all([
      runs.run('read', 1n, 1n, () => Promise.resolve('as read')),
      runs.run('admin', 1n, 1n, () => Promise.resolve('as admin')),
    ]);
    expect(results).toEqual(['as read', 'as admin']);
  });

  it('shares a failure with those who joined, then forgets it', async () => {
    const runs = new SharedRuns<string>();
    const failing = deferred<string>();
    const a = runs.run('k', 1n, 1n, () => failing.promise);
    const b = runs.run('k', 1n, 1n, () => Promise.resolve('unused'));
    failing.reject(new Error('subgraph down'));
    await expect(a).rejects.toThrow('subgraph down');
    await expect(b).rejects.toThrow('subgraph down');
    expect(runs.size).toBe(0);
    expect(await runs.run('k', 1n, 1n, () => Promise.resolve('recovered'))).toBe('recovered');
  });
});
