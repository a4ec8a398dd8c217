/**
 * One resolution per event for identical subscribers. Subscribers with the same derived query, variables
 * and scopes get the same result for the same state, so when one event wakes many of them (a dashboard
 * open on fifty screens), the first starts the gateway execution and the others join it.
 *
 * A subscriber may only join a run that can see the event it reacts to: each run records the outbox
 * position the feed had reached when it started (every event up to there was committed before the run
 * read anything), and a subscriber woken by the event at position p joins only a run that started at
 * p or later. Otherwise it waits for the next run of the key.
 *
 * Runs of one key never overlap: a run wanted while one is in flight is queued (one at most, which every
 * later subscriber joins) and starts when the running one ends. Overlapping runs could read in another
 * order than they started: a subscriber could then be handed a state older than the one it was sent
 * before (a race found by reading the code; fanout-bench counts such "regressed" states and saw none
 * in its runs before or after). In sequence, each run
 * reads after the previous one has, so the states a subscriber gets only move forward; and under load
 * a key costs one run in flight plus one queued, whatever the event rate.
 */
export class SharedRuns<T> {
  private readonly running = new Map<string, Run<T>>();
  private readonly queued = new Map<string, Run<T>>();

  /** Runs in flight or queued now (for tests and metrics). */
  get size(): number {
    return this.running.size + this.queued.size;
  }

  /**
   * The result of `run` for `key`, shared with a run that started at `seen` or later. `current` is the
   * feed's position (read when a run starts; a value is taken as it is).
   */
  run(key: string, seen: bigint, current: bigint | (() => bigint), run: () => Promise<T>): Promise<T> {
    return this.entry(key, seen, current, run).result;
  }

  /**
   * `run`, with the outbox position the result covers: the feed's position when the run started
   * (every event up to there was committed before it read anything, so the result reflects them).
   */
  async runCovering(
    key: string,
    seen: bigint,
    current: bigint | (() => bigint),
    run: () => Promise<T>,
  ): Promise<{ readonly value: T; readonly covers: bigint }> {
    const entry = this.entry(key, seen, current, run);
    const value = await entry.result;
    return { value, covers: entry.from! };
  }

  private entry(key: string, seen: bigint, current: bigint | (() => bigint), run: () => Promise<T>): Run<T> {
    const position = typeof current === 'function' ? current : () => current;
    const running = this.running.get(key);
    if (!running) return this.start(key, { from: null, result: null! }, position, run);
    if (running.from! >= seen) return running;
    // Started before the event: the next run, which starts after this one ends, sees it.
    const queued = this.queued.get(key);
    if (queued) return queued;
    const next: Run<T> = { from: null, result: null! };
    this.queued.set(key, next);
    const settled = running.result.then(
      () => undefined,
      () => undefined,
    );
    next.result = settled.then(() => {
      this.queued.delete(key);
      return this.start(key, next, position, run).result;
    });
    return next;
  }

  /** Starts `entry` now: its position read, its run begun, forgotten when it ends. */
  private start(key: string, entry: Run<T>, position: () => bigint, run: () => Promise<T>): Run<T> {
    entry.from = position();
    entry.result = run();
    this.running.set(key, entry);
    const forget = () => {
      if (this.running.get(key) === entry) this.running.delete(key);
    };
    entry.result.then(forget, forget);
    return entry;
  }
}

/** A run: the position it started at (null while queued) and its result. */
interface Run<T> {
  from: bigint | null;
  result: Promise<T>;
}
