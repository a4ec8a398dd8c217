/** What the queue runs: a subscriber with a frame to write (`Member` in state-groups.ts). */
export interface QueuedWriter {
  /** Writes the subscriber's pending frame, if it still has one. */
  flush(): void;
}

/** Frames written per turn of the event loop; a frame costs ~20 µs of CPU (docs/performance.md). */
export const FRAMES_PER_TURN = 64;

/**
 * The socket writes of subscription fan-out, made in slices of `perTurn` with a turn of the event loop
 * between them (`setImmediate`: the poll phase, so network I/O, runs before the next slice).
 *
 * Written in one loop, a state for 1,000 subscribers was one task of 1,000 `writev` calls: ~20 ms of CPU,
 * 50-150 ms on a busy machine, during which no PostgreSQL reply was read. A write transaction (eleven
 * round trips for a segment post) waited behind such a task at every statement, holding its row locks
 * (`idle in transaction` in pg_stat_activity) while the process was otherwise half idle. Now a
 * statement's reply waits for one slice at most. Nothing runs synchronously in `push`: fan-out never
 * runs inside another task's microtasks either.
 *
 * Writers run in the order they were queued; the queue holds writers, not frames, so a writer queued
 * once writes whatever frame it has when its turn comes (a newer state replaces an older one that
 * has not been written yet: states, not deltas).
 */
export class FrameQueue {
  private queue: QueuedWriter[] = [];
  private head = 0;
  private scheduled = false;

  constructor(private readonly perTurn = FRAMES_PER_TURN) {}

  /** Writers waiting (for tests). */
  get length(): number {
    return this.queue.length - this.head;
  }

  /**
   * Queues a writer; the caller queues each writer at most once until its `flush` runs. `flush` must
   * not throw (it runs in a task of its own: a throw would end the process).
   */
  push(writer: QueuedWriter): void {
    this.queue.push(writer);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drain);
    }
  }

  private readonly drain = (): void => {
    const end = Math.min(this.queue.length, this.head + this.perTurn);
    try {
      while (this.head < end) this.queue[this.head++]!.flush();
    } finally {
      if (this.head < this.queue.length) {
        setImmediate(this.drain);
        // Under sustained load the queue never empties: drop the written part now and then.
        if (this.head >= 4096) {
          this.queue = this.queue.slice(this.head);
          this.head = 0;
        }
      } else {
        this.scheduled = false;
        this.queue = [];
        this.head = 0;
      }
    }
  };
}
