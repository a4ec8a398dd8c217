import type { Executor, Row } from '../../../lib/executor/index.js';
import { and, eq, range, selectAll } from '../../../lib/executor/index.js';
import type { OutboxLease } from '../../../lib/events/outbox-lease.js';
import { emit } from '../domain/events.js';
import type { WebhookRegistration } from './webhook-registration.js';
import { registrationOf } from './webhook-registration.js';

/** Where a registration's delivery stands (its `webhook_deliveries` row). */
export interface DeliveryState {
  /** Every event up to this outbox position was delivered or did not match. */
  readonly lastPosition: bigint;
  /** Failed attempts at the next event since the last success. */
  readonly failures: number;
  /** No attempt before this time (backoff); null when none is pending. */
  readonly nextAttempt: Date | null;
}

export interface RegistrationWithState {
  readonly registration: WebhookRegistration;
  readonly state: DeliveryState;
}

const PAGE = 1000;

const stateOf = (row: Row<'webhook_deliveries'>): DeliveryState => ({
  lastPosition: row.last_position,
  failures: row.failures,
  nextAttempt: row.next_attempt,
});

/** Every registration's delivery position: the outbox keeps what comes after the lowest (outbox-pruner.ts). */
export async function deliveryPositions(executor: Executor): Promise<bigint[]> {
  const states = await selectAll(executor, {
    table: 'webhook_deliveries',
    orderBy: [{ column: 'webhook_id' }],
    limit: PAGE,
  });
  return states.map((s) => s.last_position);
}

/**
 * Every registration with its delivery state. Registration writes the state row in the same
 * transaction, so a registration read here without one was removed between the two reads (skipped
 * this round) or, in theory, lost its row: that one gets a row at the outbox head, as a new one would.
 */
export async function loadRegistrations(executor: Executor, now: Date): Promise<RegistrationWithState[]> {
  const rows = await selectAll(executor, { table: 'webhooks', orderBy: [{ column: 'id' }], limit: PAGE });
  const states = await executor.lookup(
    'webhook_deliveries',
    'webhook_id',
    rows.map((r) => r.id),
  );
  const result: RegistrationWithState[] = [];
  for (const [i, row] of rows.entries()) {
    const state = states[i];
    if (state) result.push({ registration: registrationOf(row), state: stateOf(state) });
    else await restoreState(executor, row.id, now);
  }
  return result;
}

/** Gives a registration that still exists (checked under its row lock) a state row at the head. */
async function restoreState(executor: Executor, webhookId: string, now: Date): Promise<void> {
  await executor.transaction(async (tx) => {
    const page = await tx.select({ table: 'webhooks', where: eq('id', webhookId), limit: 1, lock: true });
    if (page.rows.length === 0) return;
    await tx.upsert(
      'webhook_deliveries',
      [{ webhook_id: webhookId, last_position: await tx.outboxHead(), updated: now }],
      { conflict: ['webhook_id'] },
    );
  });
}

/**
 * Progress writes, each made only while the lease is held (a process that lost it must not move a
 * cursor another process now owns). A cursor never moves backwards.
 */
export class DeliveryProgress {
  constructor(
    private readonly lease: OutboxLease,
    private readonly webhookId: string,
  ) {}

  /** Events up to `position` are done; `delivered` when the last of them reached the receiver. */
  passed(position: bigint, delivered: boolean, now: Date): Promise<boolean> {
    return this.lease.whileHeld(async (tx) => {
      await tx.update('webhook_deliveries', this.notBehind(position), {
        last_position: position,
        failures: 0,
        next_attempt: null,
        ...(delivered ? { last_success: now } : {}),
        updated: now,
      });
    });
  }

  /** The next event failed: record it (with any progress before it) and when to try again. */
  failed(
    position: bigint,
    failure: { failures: number; nextAttempt: Date; error: string },
    now: Date,
  ): Promise<boolean> {
    return this.lease.whileHeld(async (tx) => {
      const error = failure.error.slice(0, 500);
      await tx.update('webhook_deliveries', this.notBehind(position), {
        last_position: position,
        failures: failure.failures,
        next_attempt: failure.nextAttempt,
        last_error: error,
        updated: now,
      });
      // For admins' dashboards (Subscription.storeEvents); never delivered to a webhook.
      await emit(
        tx,
        now,
        'store/webhook_delivery_failed',
        {},
        {
          webhook_id: this.webhookId,
          failures: failure.failures,
          error,
          next_attempt: failure.nextAttempt.toISOString(),
        },
      );
    });
  }

  private notBehind(position: bigint) {
    return and(eq('webhook_id', this.webhookId), range('last_position', { lte: position }));
  }
}
