/**
 * Spreads the start of request handlers over event-loop turns, so that a busy process keeps accepting
 * connections. libuv accepts one connection per loop turn (since 1.45, Node 20: it no longer accepts in
 * a loop), and a turn lasts as long as the synchronous work of every request read in it: with hundreds of
 * busy keep-alive connections on SQLite a turn took 200+ ms here, so new connections waited in the
 * kernel's accept queue at 4 a second, past any client's timeout, while admission control saw nothing.
 *
 * Admitted requests wait here in arrival order; each turn starts them until `budgetMs` of the turn's check
 * phase is spent, and the rest wait for the next turn, after its poll phase has accepted a connection and
 * read new requests (which admission control then counts). An idle process starts a request in the same
 * turn it was read. Only the start is paced: a handler that awaits I/O (PostgreSQL) continues as usual.
 * docs/decisions.md, "Admission control".
 */

/** Starts per turn at most (each a queued immediate; the budget usually ends a turn well before). */
const SLOTS = 64;

export class LoopTurns {
  private readonly waiting: (() => void)[] = [];
  private batch: { start: number; left: number } | null = null;

  constructor(
    /** Handler time per turn (ms) after which the waiting requests start in a later turn. */
    private readonly budgetMs = 10,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Requests waiting for a turn. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves when the request may start: this turn if its budget allows, else a later one. */
  enter(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.arm();
    });
  }

  /**
   * Queues the slots of one turn. Immediates queued outside the check phase run in this turn's check
   * phase, those queued inside it in the next turn's; microtasks run between two immediates, so each
   * slot sees the time the handlers it started have taken (their synchronous part).
   */
  private arm(): void {
    if (this.batch) return;
    const batch = { start: -1, left: SLOTS };
    this.batch = batch;
    for (let i = 0; i < SLOTS; i++) setImmediate(() => this.slot(batch));
  }

  private slot(batch: { start: number; left: number }): void {
    const now = this.now();
    if (batch.start < 0) batch.start = now;
    if (this.waiting.length && now - batch.start < this.budgetMs) this.waiting.shift()!();
    if (--batch.left > 0) return;
    this.batch = null;
    if (this.waiting.length) this.arm();
  }
}
