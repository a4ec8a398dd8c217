import type { DomainLog, MediaRepository } from '../domain/repository.js';
import type { DeliveryProgress, DeliveryState } from './delivery-state.js';
import type { OutboxLease } from '../../../lib/events/outbox-lease.js';
import { loadEventFacts } from './event-facts.js';
import { matchesRegistration } from './event-filter.js';
import type { BackoffSettings } from './retry-backoff.js';
import { retryDelayMs } from './retry-backoff.js';
import { webhookEnvelope } from './webhook-envelope.js';
import type { PostOptions } from './webhook-post.js';
import { postWebhook } from './webhook-post.js';
import type { WebhookRegistration } from './webhook-registration.js';

/** What a turn needs from its dispatcher. */
export interface TurnContext {
  readonly repository: MediaRepository;
  readonly lease: OutboxLease;
  readonly log: DomainLog;
  readonly post: PostOptions;
  readonly backoff: BackoffSettings;
  readonly random: () => number;
  readonly now: () => Date;
  /** Events read per turn. */
  readonly batchSize: number;
  /** A turn ends after this long even with events left, so one slow receiver cannot keep a slot. */
  readonly turnBudgetMs: number;
}

/**
 * - `idle`: nothing after the registration's position;
 * - `more`: progress, and there may be more to deliver at once;
 * - `done`: progress, and everything read was handled;
 * - `failed`: an attempt failed and the next one is scheduled (backoff);
 * - `stopped`: the dispatcher is stopping or lost its lease.
 */
export type TurnOutcome = 'idle' | 'more' | 'done' | 'failed' | 'stopped';

/**
 * One turn of one registration: reads a page of the outbox after its position and delivers the
 * matching events in order, one at a time. Its position only moves past events that were delivered or
 * do not match, so an event is retried until its receiver takes it (at-least-once, never dropped) and
 * nothing after it goes out first.
 */
export async function deliveryTurn(
  ctx: TurnContext,
  registration: WebhookRegistration,
  state: DeliveryState,
  progress: DeliveryProgress,
): Promise<TurnOutcome> {
  const events = await ctx.repository.executor.readOutbox(state.lastPosition, ctx.batchSize);
  if (events.length === 0) return 'idle';
  const facts = await loadEventFacts(
    ctx.repository,
    registration,
    events.filter((e) => registration.events.has(e.event_type)),
  );
  const deadline = Date.now() + ctx.turnBudgetMs;
  let passed = state.lastPosition;
  let saved = state.lastPosition;
  let failures = state.failures;
  const save = async (delivered: boolean) => {
    if (!(await progress.passed(passed, delivered, ctx.now()))) return false;
    saved = passed;
    return true;
  };
  for (const event of events) {
    if (ctx.post.stop.aborted || !ctx.lease.held() || Date.now() > deadline) break;
    if (!matchesRegistration(registration, event, facts)) {
      passed = event.position;
      continue;
    }
    const envelope = await webhookEnvelope(ctx.repository, registration, event);
    const outcome = await postWebhook(registration, JSON.stringify(envelope), ctx.post);
    if (outcome.delivered) {
      passed = event.position;
      failures = 0;
      if (!(await save(true))) return 'stopped';
      continue;
    }
    if (outcome.stopped) break;
    failures += 1;
    const delay = retryDelayMs(failures, ctx.backoff, ctx.random);
    const now = ctx.now();
    ctx.log.warn(
      { webhook: registration.origin, attempt: failures, error: outcome.error, retryInMs: delay },
      'webhook delivery failed; it will be retried',
    );
    const recorded = await progress.failed(
      passed,
      { failures, nextAttempt: new Date(now.getTime() + delay), error: outcome.error },
      now,
    );
    return recorded ? 'failed' : 'stopped';
  }
  if (passed !== saved && !(await save(false))) return 'stopped';
  if (ctx.post.stop.aborted || !ctx.lease.held()) return 'stopped';
  return passed === events.at(-1)!.position && events.length < ctx.batchSize ? 'done' : 'more';
}
