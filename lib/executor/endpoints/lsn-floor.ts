/**
 * The WAL position of the newest acknowledged write, shared by every process that reads from standbys:
 * raised after each write commits and before it is acknowledged, read at the start of each request. A
 * standby that has not replayed that far serves nothing, so no process reads older than a write any
 * process has acknowledged.
 */
export interface LsnFloor {
  raise(lsn: bigint): Promise<void>;
  /** The floor now; rejects when it cannot be known (reads then go to the primary). */
  current(): Promise<bigint>;
  close?(): Promise<void>;
}

/** The floor of one process: enough when every write and read of the store goes through it. */
export class MemoryLsnFloor implements LsnFloor {
  private value = 0n;

  raise(lsn: bigint): Promise<void> {
    if (lsn > this.value) this.value = lsn;
    return Promise.resolve();
  }

  current(): Promise<bigint> {
    return Promise.resolve(this.value);
  }
}
