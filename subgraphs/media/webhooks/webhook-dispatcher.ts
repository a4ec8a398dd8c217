import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { DomainLog, MediaRepository } from '../domain/repository.js';
import type { RegistrationWithState } from './delivery-state.js';
import { DeliveryProgress, loadRegistrations } from './delivery-state.js';
import type { TurnContext, TurnOutcome } from './delivery-turn.js';
import { deliveryTurn } from './delivery-turn.js';
import { OutboxLease } from '../../../lib/events/outbox-lease.js';
import type { BackoffSettings } from './retry-backoff.js';
import { DEFAULT_BACKOFF } from './retry-backoff.js';

export interface WebhookDispatcherOptions {
  /** Time allowed for one delivery attempt (connect, send, answer headers). Default 10 s. */
  readonly timeoutMs?: number;
  /** Delay after the first failure, doubling up to `maxMs`, with jitter. Defaults 1 s and 5 min. */
  readonly backoff?: Partial<BackoffSettings>;
  /** Registrations delivered to at the same time. Default 8. */
  readonly concurrency?: number;
  /** Outbox events read per turn of a registration. Default 100. */
  readonly batchSize?: number;
  /** A registration's turn ends after this long, so slow receivers take turns with the others. Default 10 s. */
  readonly turnBudgetMs?: number;
  /** Look for new events this often even without `wake()` (other processes' writes). Default 1 s. */
  readonly pollMs?: number;
  /** Lease lifetime; renewed every third of it. Default 30 s. */
  readonly leaseMs?: number;
  /** This process in the lease row (and logs). Default host:pid:random. */
  readonly owner?: string;
  /** Where failed attempts and dispatcher errors go. Default the repository's log. */
  readonly log?: DomainLog;
  /** Jitter source (tests make it fixed). Default Math.random. */
  readonly random?: () => number;
  /** The HTTP client. Default the global fetch. */
  readonly fetch?: typeof fetch;
}

/** Shortest time between the starts of two scheduling rounds. */
const ROUND_GAP_MS = 20;

/** The outbox consumer name of webhook delivery: its lease row in `outbox_cursors`. */
export const WEBHOOK_CONSUMER = 'webhooks';

interface Lane {
  running: boolean;
  /** The dispatcher's count of ended turns when this lane's last turn ended (see `round`). */
  endedAt: number;
  /** An unexpected error (database) pauses the registration until then, so a fault cannot spin. */
  pausedUntil: number;
}

/**
 * Delivers TAMS events from the outbox to webhook registrations, in the background of the process that
 * owns the media subgraph. Exactly one dispatcher per deployment delivers: each takes a lease
 * (`OutboxLease`) and stops delivering while it does not hold it. Registrations are independent:
 * each has its own position and backoff, turns run concurrently (bounded), and a slow or dead receiver
 * only holds up its own events. Progress is in the database, so a restarted dispatcher resumes.
 */
export class WebhookDispatcher {
  private running = false;
  /** Turns ended so far: a lane whose turn ended after a round read the states has a stale state there. */
  private turnsEnded = 0;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private stopping = new AbortController();
  private readonly lanes = new Map<string, Lane>();
  private readonly turns = new Set<Promise<void>>();
  private leaseCheckedAt = 0;
  /** The newest outbox position seen: registrations at it have nothing to do. */
  private frontier = 0n;
  /** Where the round-robin over registrations continues, so every one gets turns. */
  private rotation = 0;
  private readonly lease: OutboxLease;
  private readonly settings: Required<
    Pick<WebhookDispatcherOptions, 'concurrency' | 'pollMs' | 'leaseMs' | 'timeoutMs'>
  >;
  private readonly log: DomainLog;
  private readonly turnContext: Omit<TurnContext, 'post'>;
  private readonly fetch: typeof fetch;

  constructor(
    private readonly repository: MediaRepository,
    options: WebhookDispatcherOptions = {},
  ) {
    this.settings = {
      concurrency: options.concurrency ?? 8,
      pollMs: options.pollMs ?? 1000,
      leaseMs: options.leaseMs ?? 30_000,
      timeoutMs: options.timeoutMs ?? 10_000,
    };
    this.log = options.log ?? repository.log;
    const owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID()}`;
    this.lease = new OutboxLease(
      repository.executor,
      WEBHOOK_CONSUMER,
      owner,
      this.settings.leaseMs,
      repository.now,
    );
    this.turnContext = {
      repository,
      lease: this.lease,
      log: this.log,
      backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
      random: options.random ?? Math.random,
      now: repository.now,
      batchSize: options.batchSize ?? 100,
      turnBudgetMs: options.turnBudgetMs ?? 10_000,
    };
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /** Starts delivering in the background; a second call does nothing. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = new AbortController();
    this.loop = this.run();
  }

  /** Look for events now: call after a mutation committed (events were written). Cheap; coalesced. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /**
   * Stops: attempts in flight are aborted (their events are sent again by whoever delivers next, so a
   * receiver may see them twice, as at-least-once allows), progress is saved and the lease given up.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopping.abort();
    this.wake();
    await this.loop;
    await Promise.all(this.turns);
    try {
      await this.lease.release();
    } catch (error) {
      this.log.warn(
        { err: error },
        'the webhook dispatcher could not give up its lease; it lapses by itself',
      );
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.woken = false;
      const began = Date.now();
      let waitMs = this.settings.pollMs;
      try {
        waitMs = await this.round();
      } catch (error) {
        this.log.error({ err: error }, 'a webhook dispatcher round failed; retrying');
      }
      // Every mutation may wake the dispatcher: rounds keep a small gap, so a burst of writes costs a
      // few rounds rather than one each.
      const gap = Math.min(ROUND_GAP_MS, this.settings.pollMs) - (Date.now() - began);
      if (gap > 0 && this.running) await new Promise((resolve) => setTimeout(resolve, gap));
      if (this.running && !this.woken) await this.sleep(waitMs);
      this.wakeUp = null;
    }
  }

  /** One scheduling round: keep the lease, start turns for registrations with work; ms until the next. */
  private async round(): Promise<number> {
    const now = this.repository.now().getTime();
    const renewMs = Math.floor(this.settings.leaseMs / 3);
    if (now - this.leaseCheckedAt >= renewMs || !this.lease.held()) {
      this.leaseCheckedAt = now;
      if (!(await this.lease.acquire())) return Math.min(renewMs, this.settings.pollMs);
    }
    const executor = this.repository.executor;
    const epoch = this.turnsEnded;
    const registrations = await loadRegistrations(executor, this.repository.now());
    this.forgetRemoved(registrations);
    let next = Math.min(this.settings.pollMs, renewMs - (now - this.leaseCheckedAt));
    // Nobody to deliver to: the outbox need not be read (most rounds of a store without webhooks).
    if (!registrations.length) return Math.max(next, 1);
    // One probe per round instead of one read per idle registration: which positions exist at all.
    if ((await executor.readOutbox(this.frontier, 1)).length) this.frontier = await executor.outboxHead();
    const offset = this.rotation;
    for (let k = 0; k < registrations.length; k++) {
      const entry = registrations[(offset + k) % registrations.length]!;
      const lane = this.laneOf(entry.registration.id);
      if (lane.running || entry.state.lastPosition >= this.frontier) continue;
      // Its turn ended while the states were being read: this state may predate that turn's progress,
      // and a turn from it would deliver those events again. The next round reads it afresh.
      if (lane.endedAt > epoch) {
        next = 1;
        continue;
      }
      const due = Math.max(entry.state.nextAttempt?.getTime() ?? 0, lane.pausedUntil);
      if (due > now) {
        next = Math.min(next, due - now);
        continue;
      }
      if (this.turns.size >= this.settings.concurrency) break;
      // The next round starts after the last one started here, so every registration gets turns.
      this.rotation = (offset + k + 1) % registrations.length;
      this.startTurn(entry, lane);
    }
    return Math.max(next, 1);
  }

  private startTurn(entry: RegistrationWithState, lane: Lane): void {
    lane.running = true;
    const ctx: TurnContext = {
      ...this.turnContext,
      post: { timeoutMs: this.settings.timeoutMs, stop: this.stopping.signal, fetch: this.fetch },
    };
    const progress = new DeliveryProgress(this.lease, entry.registration.id);
    const turn = deliveryTurn(ctx, entry.registration, entry.state, progress)
      .then((outcome: TurnOutcome) => {
        // Idle registrations wait for the next wake or poll; the others are scheduled again at once.
        if (outcome !== 'idle') this.wake();
      })
      .catch((error: unknown) => {
        lane.pausedUntil = this.repository.now().getTime() + this.settings.pollMs;
        this.log.error(
          { err: error, webhook: entry.registration.origin },
          'delivering to a webhook failed unexpectedly; retrying shortly',
        );
        this.wake();
      })
      .finally(() => {
        lane.running = false;
        lane.endedAt = ++this.turnsEnded;
        this.turns.delete(turn);
      });
    this.turns.add(turn);
  }

  private laneOf(id: string): Lane {
    let lane = this.lanes.get(id);
    if (!lane) {
      lane = { running: false, endedAt: 0, pausedUntil: 0 };
      this.lanes.set(id, lane);
    }
    return lane;
  }

  private forgetRemoved(registrations: readonly RegistrationWithState[]): void {
    const ids = new Set(registrations.map((r) => r.registration.id));
    for (const [id, lane] of this.lanes) if (!ids.has(id) && !lane.running) this.lanes.delete(id);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/** A webhook dispatcher for the media domain; see `WebhookDispatcher`. Call `start()` to run it. */
export function createWebhookDispatcher(
  repository: MediaRepository,
  options?: WebhookDispatcherOptions,
): WebhookDispatcher {
  return new WebhookDispatcher(repository, options);
}
