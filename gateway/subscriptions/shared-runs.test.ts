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

  it('runs again, after the run in flight, for an event that run may not see', async () => {
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

  it('tells what a result covers: the position the run it came from started at', async () => {
    const runs = new SharedRuns<string>();
    const first = deferred<string>();
    const a = runs.runCovering('k', 5n, 8n, () => first.promise);
    const b = runs.runCovering('k', 6n, 9n, () => Promise.reject(new Error('not started')));
    first.resolve('state at 8');
    expect(await Promise.all([a, b])).toEqual([
      { value: 'state at 8', covers: 8n },
      { value: 'state at 8', covers: 8n },
    ]);
  });

  it('never overlaps runs of a key: a run wanted meanwhile starts when the one in flight ends', async () => {
    const runs = new SharedRuns<string>();
    const old = deferred<string>();
    const fresh = deferred<string>();
    let position = 5n;
    let freshStarted = false;
    const a = runs.runCovering(
      'k',
      5n,
      () => position,
      () => old.promise,
    );
    position = 6n;
    const b = runs.runCovering(
      'k',
      6n,
      () => position,
      () => {
        freshStarted = true;
        return fresh.promise;
      },
    );
    position = 7n;
    const c = runs.runCovering(
      'k',
      7n,
      () => position,
      () => Promise.reject(new Error('not started')),
    );
    await new Promise((r) => setImmediate(r));
    expect(freshStarted).toBe(false);
    position = 8n;
    old.resolve('state at 5');
    await new Promise((r) => setImmediate(r));
    expect(freshStarted).toBe(true);
    fresh.resolve('state at 8');
    // The queued run covers what the feed had read when it started, not when it was queued.
    expect(await Promise.all([a, b, c])).toEqual([
      { value: 'state at 5', covers: 5n },
      { value: 'state at 8', covers: 8n },
      { value: 'state at 8', covers: 8n },
    ]);
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
