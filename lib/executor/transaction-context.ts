import { AsyncLocalStorage } from 'node:async_hooks';
import { ExecutorError } from './errors.js';

/**
 * Tracks, per async context, which executors have a transaction open. Writing through the executor from
 * inside its own transaction callback would wait for the transaction to end (SQLite's single writer) or
 * fight it for locks (PostgreSQL): a deadlock. We turn that misuse into an immediate, clear error.
 */
const open = new AsyncLocalStorage<ReadonlySet<object>>();

export function runInTransactionContext<R>(owner: object, fn: () => Promise<R>): Promise<R> {
  const owners = new Set(open.getStore());
  owners.add(owner);
  return open.run(owners, fn);
}

export function assertOutsideOwnTransaction(owner: object): void {
  if (open.getStore()?.has(owner))
    throw new ExecutorError(
      'MISUSE',
      'a write went to the executor from inside one of its own transactions; use the transaction handle ' +
        'passed to the callback (writing through the executor here would deadlock)',
    );
}

export function transactionFinishedError(): ExecutorError {
  return new ExecutorError(
    'MISUSE',
    'this transaction has already committed or rolled back; its handle cannot be used any more',
  );
}
