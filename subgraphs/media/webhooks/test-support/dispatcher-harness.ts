import type { DomainLog } from '../../domain/repository.js';
import { WAIT_LIMIT_MS } from '../../../../lib/test-support/eventually.js';
import type { MediaHarness } from '../../test-support/media-harness.js';
import type { WebhookDispatcher, WebhookDispatcherOptions } from '../webhook-dispatcher.js';
import { createWebhookDispatcher } from '../webhook-dispatcher.js';

/** What tests need around a dispatcher: fast settings, a log to inspect, registration, settling. */

export const REGISTER = `mutation Register($input: WebhookInput!) {
  registerWebhook(input: $input) { status }
}`;

export interface LogEntry {
  readonly level: 'warn' | 'error';
  readonly details: Record<string, unknown>;
  readonly message: string;
}

export interface RecordingLog extends DomainLog {
  readonly entries: LogEntry[];
}

/** A DomainLog that keeps what it is told. */
export function recordingLog(): RecordingLog {
  const entries: LogEntry[] = [];
  return {
    entries,
    warn: (details, message) => entries.push({ level: 'warn', details, message }),
    error: (details, message) => entries.push({ level: 'error', details, message }),
  };
}

/**
 * Failed attempts are expected in tests and stay quiet; unexpected errors are printed, so a test that
 * times out waiting shows why.
 */
const printErrors: DomainLog = {
  warn: () => undefined,
  error: (details, message) => console.error(`webhook dispatcher: ${message}`, details),
};

/**
 * Retries in milliseconds instead of seconds, polling fast: tests stay quick. The attempt timeout and
 * the lease keep generous values: a test process on a busy machine can stall for seconds, and a tight
 * timeout then only adds redeliveries, a tight lease lost leases. Tests of those set their own.
 */
export const FAST: WebhookDispatcherOptions = {
  log: printErrors,
  pollMs: 10,
  timeoutMs: 10_000,
  backoff: { initialMs: 5, maxMs: 40 },
  leaseMs: 60_000,
  random: () => 0.5,
};

/** The warning a failed attempt logs (it will be retried): the only entry a healthy run may log. */
export const RETRY_WARNING = 'webhook delivery failed; it will be retried';

export function startDispatcher(h: MediaHarness, options: WebhookDispatcherOptions = {}): WebhookDispatcher {
  const dispatcher = createWebhookDispatcher(h.subgraph.repository, { ...FAST, ...options });
  dispatcher.start();
  return dispatcher;
}

export async function register(h: MediaHarness, input: Record<string, unknown>): Promise<void> {
  await h.run(REGISTER, { input });
}

/**
 * Waits until every registration's position is at the outbox head (everything delivered or filtered
 * out) with no attempt pending.
 */
export async function settled(h: MediaHarness, timeoutMs = WAIT_LIMIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // Reading releases committed events on PostgreSQL, so the head below counts them.
    await h.executor.readOutbox(await h.executor.outboxHead(), 1000);
    const head = await h.executor.outboxHead();
    const states = (await h.executor.select({ table: 'webhook_deliveries', limit: 1000 })).rows;
    if (states.every((s) => s.last_position >= head && s.failures === 0)) return;
    if (Date.now() > deadline)
      throw new Error(
        `webhook delivery did not settle at position ${head}: ${JSON.stringify(states, (_, v: unknown) =>
          typeof v === 'bigint' ? v.toString() : v,
        )}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
