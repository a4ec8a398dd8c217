/**
 * Readings of the store's Prometheus `/metrics`, given the service's base URL (`service.url`). No
 * vitest here: the benchmarks in loadtest/ use these too.
 */

import { WAIT_LIMIT_MS } from '../../lib/test-support/eventually.js';

async function metrics(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

/** The store's own count of open subscriptions: a subscription is live once it counts. */
export async function activeSubscriptions(url: string): Promise<number> {
  return Number(/^tams_graphql_subscriptions_active\{[^}]*\} (\d+)/m.exec(await metrics(url))?.[1] ?? NaN);
}

/** Query operations the gateway has executed: each subscription event resolution is one. */
export async function gatewayQueries(url: string): Promise<number> {
  return [
    ...(await metrics(url)).matchAll(
      /^tams_graphql_operation_duration_seconds_count\{[^}]*operation="query"[^}]*\} (\d+)/gm,
    ),
  ]
    .map((m) => Number(m[1]))
    .reduce((a, b) => a + b, 0);
}

/**
 * Polls until the store counts `count` open subscriptions, then returns; throws naming both counts when
 * that has not happened within `timeoutMs` (a guard against a hang, far above what a passing run needs).
 */
export async function untilActiveSubscriptions(
  url: string,
  count: number,
  timeoutMs = WAIT_LIMIT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const active = await activeSubscriptions(url);
    if (active === count) return;
    if (Date.now() > deadline)
      throw new Error(`expected ${count} active subscriptions, the store counts ${active}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
