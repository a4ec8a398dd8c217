import { and, isIn, range } from '../../../lib/executor/index.js';
import { advanceDeleteRequest, failDeleteRequest } from './deletion.js';
import { collectExpiredUploads, collectObjects, sweepCandidates } from './objects.js';
import { sizeObjects } from './object-sizer.js';
import type { MediaRepository } from './repository.js';
import { write } from './repository.js';

export interface DeletionWorkerOptions {
  /** Segments deleted per transaction. */
  readonly batch?: number;
  /** Pause when there is nothing to do (a new request wakes the worker at once). */
  readonly idleMs?: number;
  /** Consecutive failures of one request before it is marked `error`. */
  readonly maxFailures?: number;
}

/**
 * Carries out flow delete requests in the background, batch by batch, each batch its own transaction:
 * a restart resumes where it stopped because progress lives in the database. Between requests it
 * garbage-collects unreferenced objects and expired, never-registered uploads, drops expired finished
 * requests, and learns the sizes of stored objects the store does not know yet (object-sizer.ts).
 */
export class DeletionWorker {
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private readonly failures = new Map<string, number>();
  private readonly batch: number;
  private readonly idleMs: number;
  private readonly maxFailures: number;

  constructor(
    private readonly repository: MediaRepository,
    options: DeletionWorkerOptions = {},
  ) {
    this.batch = options.batch ?? 5000;
    this.idleMs = options.idleMs ?? 5000;
    this.maxFailures = options.maxFailures ?? 5;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Look for work now (a request was just created). */
  wake(): void {
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  /** Does one round of work; true when anything was done. Exposed for tests. */
  async tick(): Promise<boolean> {
    const now = this.repository.now();
    const pending = (
      await this.repository.executor.select({
        table: 'flow_delete_requests',
        columns: ['id'],
        where: isIn('status', ['created', 'started']),
        orderBy: [{ column: 'created' }],
        limit: 10,
      })
    ).rows;
    let worked = false;
    for (const { id } of pending) {
      try {
        const step = await advanceDeleteRequest(this.repository, id, this.batch);
        this.failures.delete(id);
        if (step.orphanCandidates.length) await collectObjects(this.repository, step.orphanCandidates);
        worked ||= step.progressed;
      } catch (error) {
        const count = (this.failures.get(id) ?? 0) + 1;
        this.failures.set(id, count);
        this.repository.log.error(
          { err: error, requestId: id, attempt: count },
          'a flow delete request batch failed',
        );
        if (count >= this.maxFailures) {
          await failDeleteRequest(this.repository, id, error);
          this.failures.delete(id);
        }
      }
      if (!this.running) return worked;
    }
    worked = (await sweepCandidates(this.repository)) > 0 || worked;
    worked = (await collectExpiredUploads(this.repository)) > 0 || worked;
    // Paced by the rounds on purpose: sizing does not count as work, so it never makes the next round
    // come sooner (at most SIZER_BATCH object-store HEADs per idle interval).
    await sizeObjects(this.repository).catch((error: unknown) =>
      this.repository.log.error({ err: error }, 'the object sizer failed a round; retrying next round'),
    );
    await write(this.repository, (tx) =>
      tx.delete('flow_delete_requests', and(isIn('status', ['done', 'error']), range('expiry', { lt: now }))),
    );
    return worked;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let worked = false;
      try {
        worked = await this.tick();
      } catch (error) {
        this.repository.log.error({ err: error }, 'the deletion worker failed a round; retrying');
      }
      if (!worked && this.running)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.idleMs);
          this.wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      this.wakeUp = null;
    }
  }
}
