import type { Executor } from '../executor/index.js';
import { selectAll } from '../executor/index.js';

export interface OutboxPrunerOptions {
  /** Events younger than this are kept whatever the consumers' positions (late readers, the bus's fallback). */
  readonly retentionMs: number;
  /** Time between passes. Default 60 s. */
  readonly intervalMs?: number;
  /** Events deleted per statement, so no transaction grows with the backlog. Default 5,000. */
  readonly batch?: number;
  /**
   * Positions that consumers outside `outbox_cursors` still have to read after, e.g. each webhook
   * registration's delivery position. Nothing after the lowest is deleted.
   */
  readonly holders?: () => Promise<readonly bigint[]>;
  readonly now?: () => Date;
  /** Told about a failed pass (the next one retries). */
  readonly onError?: (error: unknown) => void;
}

/** A pass's outcome, for logs and tests. */
export interface PruneResult {
  /** Events deleted. */
  readonly deleted: number;
  /** The position nothing after which was deleted: the lowest any consumer still needs. */
  readonly floor: bigint;
}

/** `last_seq` of a consumer that keeps its progress elsewhere (outbox-lease.ts NO_CURSOR). */
const NO_CURSOR = -1n;

/**
 * The outbox's retention: without it `event_outbox` grows by a row per write forever. A pass deletes the
 * events every consumer has read (at or before the lowest position of the `outbox_cursors` consumers
 * whose lease is alive or lapsed within the retention, and of the `holders`) that are also older than
 * the retention; positions continue past deleted rows (`Executor.pruneOutbox` keeps the newest). A
 * consumer that has been away longer than the retention no longer holds events back: when it returns
 * it resumes after its stored position and misses what was deleted meanwhile (docs/decisions.md,
 * "Outbox retention"). Passes are idempotent, so every process that runs background work may run one.
 */
export class OutboxPruner {
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<unknown> = Promise.resolve();
  private readonly settings: Required<Omit<OutboxPrunerOptions, 'onError'>> &
    Pick<OutboxPrunerOptions, 'onError'>;

  constructor(
    private readonly executor: Executor,
    options: OutboxPrunerOptions,
  ) {
    if (!(options.retentionMs > 0))
      throw new RangeError(`OutboxPruner: retentionMs must be > 0, got ${options.retentionMs}`);
    this.settings = {
      retentionMs: options.retentionMs,
      intervalMs: options.intervalMs ?? 60_000,
      batch: options.batch ?? 5000,
      holders: options.holders ?? (() => Promise.resolve([])),
      now: options.now ?? (() => new Date()),
      onError: options.onError,
    };
  }

  /** Runs a pass now and then every `intervalMs` (unref'd: it never keeps the process alive). */
  start(): void {
    if (this.timer) return;
    const run = () => {
      this.pass = this.pruneOnce().catch((error: unknown) => this.settings.onError?.(error));
    };
    run();
    this.timer = setInterval(run, this.settings.intervalMs);
    this.timer.unref();
  }

  /** Stops the passes and waits for the one running, if any. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.pass;
  }

  /** One pass: deletes in batches until a batch comes back short. */
  async pruneOnce(): Promise<PruneResult> {
    const now = this.settings.now();
    const olderThan = new Date(now.getTime() - this.settings.retentionMs);
    const floor = await this.floor(olderThan);
    let deleted = 0;
    for (;;) {
      const n = await this.executor.pruneOutbox(floor, olderThan, this.settings.batch);
      deleted += n;
      if (n < this.settings.batch) return { deleted, floor };
    }
  }

  /** The lowest position a consumer still needs: the head when none does. */
  private async floor(awaySince: Date): Promise<bigint> {
    const head = await this.executor.outboxHead();
    const cursors = await selectAll(this.executor, {
      table: 'outbox_cursors',
      orderBy: [{ column: 'consumer' }],
      limit: 1000,
    });
    const present = cursors.filter(
      (c) => c.last_seq !== NO_CURSOR && (c.lease_expires ?? c.updated).getTime() >= awaySince.getTime(),
    );
    const held = [...present.map((c) => c.last_seq), ...(await this.settings.holders())];
    return held.reduce((lowest, p) => (p < lowest ? p : lowest), head);
  }
}
