import type { Executor, Row, Transaction } from '../executor/index.js';
import { and, eq } from '../executor/index.js';

/** `last_seq` of a consumer that never stored a cursor (positions are ≥ 0). */
const NO_CURSOR = -1n;

/**
 * The right to run one outbox consumer in a deployment: the consumer's `outbox_cursors` row names its
 * owner and when that ownership lapses. Taken and renewed in a transaction holding the row's lock, so
 * two processes never both believe they hold it; a holder that cannot renew in time (database down,
 * process paused) stops acting before anyone else may take over, because it considers the lease lost a
 * safety margin before it expires. Expiry is wall-clock time of the processes involved: their clocks
 * must agree to well within that margin.
 *
 * Used by webhook delivery (consumer `webhooks`, whose progress is per registration) and the Redis bus
 * follower (consumer `redis-bus`, whose progress is the row's `last_seq`: `readCursor`, `storeCursor`).
 */
export class OutboxLease {
  /** Local deadline (ms since epoch) after which this process no longer acts as the holder. */
  private heldUntil = 0;

  constructor(
    private readonly executor: Executor,
    readonly consumer: string,
    readonly owner: string,
    private readonly ttlMs: number,
    private readonly now: () => Date,
  ) {}

  /** Whether this process may act now (it held the lease at its last renewal, which has not lapsed). */
  held(): boolean {
    return this.now().getTime() < this.heldUntil;
  }

  /** Takes the lease when it is free or expired, or renews it; resolves to whether this process holds it. */
  async acquire(): Promise<boolean> {
    const started = this.now();
    const won = await this.executor.transaction(async (tx) => {
      // Inserted only when absent: `last_seq` is the consumer's cursor (`storeCursor`), never reset here;
      // NO_CURSOR until one is stored, since 0n is a real cursor (before the first event).
      await tx.upsert(
        'outbox_cursors',
        [{ consumer: this.consumer, last_seq: NO_CURSOR, updated: started }],
        {
          conflict: ['consumer'],
        },
      );
      const row = await this.lockRow(tx);
      if (!row) throw new Error(`the outbox_cursors row of ${this.consumer} vanished while it was locked`);
      const free =
        row.owner === this.owner ||
        row.owner === null ||
        row.lease_expires === null ||
        row.lease_expires.getTime() <= started.getTime();
      if (!free) return false;
      await tx.update('outbox_cursors', eq('consumer', this.consumer), {
        owner: this.owner,
        lease_expires: new Date(started.getTime() + this.ttlMs),
        updated: started,
      });
      return true;
    });
    // Counted from before the renewal began, minus a third: never acts on a lease another may have.
    this.heldUntil = won ? started.getTime() + Math.floor((this.ttlMs * 2) / 3) : 0;
    return won;
  }

  /**
   * Runs `fn` in a transaction only while this process still holds the lease (checked under the row
   * lock, so a process that lost it can never write progress); resolves to false when it does not.
   */
  async whileHeld(fn: (tx: Transaction, row: Row<'outbox_cursors'>) => Promise<void>): Promise<boolean> {
    const now = this.now();
    const holds = await this.executor.transaction(async (tx) => {
      const row = await this.lockRow(tx);
      if (!row || row.owner !== this.owner || row.lease_expires === null || row.lease_expires <= now)
        return false;
      await fn(tx, row);
      return true;
    });
    if (!holds) this.heldUntil = 0;
    return holds;
  }

  /**
   * Whether another process holds the lease now, by one plain read (no transaction, no lock): lets a
   * standby that checks often skip `acquire` while the holder is alive.
   */
  async heldByAnother(): Promise<boolean> {
    const [row] = await this.executor.lookup('outbox_cursors', 'consumer', [this.consumer]);
    return (
      !!row?.owner &&
      row.owner !== this.owner &&
      !!row.lease_expires &&
      row.lease_expires.getTime() > this.now().getTime()
    );
  }

  /** The consumer's stored cursor (`last_seq`); null when it never stored one. */
  async readCursor(): Promise<bigint | null> {
    const [row] = await this.executor.lookup('outbox_cursors', 'consumer', [this.consumer]);
    return row && row.last_seq !== NO_CURSOR ? row.last_seq : null;
  }

  /**
   * Stores the cursor while this process holds the lease, never moving it back; resolves to whether it
   * held the lease (a process that lost it writes nothing).
   */
  storeCursor(position: bigint): Promise<boolean> {
    return this.whileHeld(async (tx, row) => {
      if (row.last_seq >= position) return;
      await tx.update('outbox_cursors', eq('consumer', this.consumer), {
        last_seq: position,
        updated: this.now(),
      });
    });
  }

  /** Gives the lease up (on stop), so another process can take over at once. */
  async release(): Promise<void> {
    this.heldUntil = 0;
    await this.executor.update(
      'outbox_cursors',
      and(eq('consumer', this.consumer), eq('owner', this.owner)),
      { owner: null, lease_expires: null, updated: this.now() },
    );
  }

  private async lockRow(tx: Transaction) {
    const page = await tx.select({
      table: 'outbox_cursors',
      where: eq('consumer', this.consumer),
      limit: 1,
      lock: true,
    });
    return page.rows[0];
  }
}
