/**
 * One resolution per event for identical subscribers. Subscribers with the same derived query, variables
 * and scopes get the same result for the same state, so when one event wakes many of them (a dashboard
 * open on fifty screens), the first starts the gateway execution and the others join it.
 *
 * A subscriber may only join a run that can see the event it reacts to: each run records the outbox
 * position the feed had reached when it started (every event up to there was committed before the run
 * read anything), and a subscriber woken by the event at position p joins only a run that started at
 * p or later. Otherwise it starts its own.
 */
export class SharedRuns<T> {
  private readonly inFlight = new Map<string, { readonly from: bigint; readonly result: Promise<T> }>();

  /** Runs in flight now (for tests and metrics). */
  get size(): number {
    return this.inFlight.size;
  }

  /**
   * The result of `run` for `key`, shared with a run in flight that started at `seen` or later.
   * `current` is the feed's position now (the start position of a new run).
   */
  run(key: string, seen: bigint, current: bigint, run: () => Promise<T>): Promise<T> {
    const shared = this.inFlight.get(key);
    if (shared && shared.from >= seen) return shared.result;
    const result = run();
    const entry = { from: current, result };
    this.inFlight.set(key, entry);
    const forget = () => {
      if (this.inFlight.get(key) === entry) this.inFlight.delete(key);
    };
    result.then(forget, forget);
    return result;
  }
}
