import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What a request has done so far, as read routing needs it (docs/decisions.md, read endpoints). Reads
 * outside any scope (background work: webhooks, deletion, subscriptions, the outbox) go to the primary.
 */
export interface ReadScope {
  /** The request wrote: the rest of it reads from the primary. */
  wrote: boolean;
  /**
   * The WAL position every write acknowledged before this request began had reached, read once per
   * request (lazily): a standby serves this request only once it has replayed that far.
   */
  floor: Promise<bigint> | null;
}

const storage = new AsyncLocalStorage<ReadScope>();

/** Runs `fn` as one request: its reads may go to standbys that have replayed every acknowledged write. */
export function withReadScope<T>(fn: () => T): T {
  return storage.run({ wrote: false, floor: null }, fn);
}

export function currentReadScope(): ReadScope | undefined {
  return storage.getStore();
}
