import type { ServerResponse } from 'node:http';

/** A dependency that must answer for the process to be ready (the database, the subgraphs). */
export interface ReadinessCheck {
  readonly name: string;
  /** Resolves when the dependency answered; `timeoutMs`: when the caller gives up (abort past it). */
  check(timeoutMs: number): Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(text);
}

/**
 * `/health`: the process is alive (no dependency is consulted), with what it knows of its optional
 * dependencies (the cache tier: Redis down is degraded latency, not ill health, so still 200).
 */
export function health(res: ServerResponse, details: Record<string, unknown> = {}): void {
  json(res, 200, { status: 'ok', ...details });
}

/** `/ready`: every dependency answers within `timeoutMs`; 503 names the ones that do not. */
export async function ready(
  res: ServerResponse,
  checks: readonly ReadinessCheck[],
  timeoutMs = 2000,
): Promise<void> {
  const results = await Promise.all(
    checks.map(async (c) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          c.check(timeoutMs),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return { name: c.name, ok: true as const };
      } catch (error) {
        return { name: c.name, ok: false as const, error: (error as Error).message };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const failing = results.filter((r) => !r.ok);
  json(res, failing.length ? 503 : 200, {
    status: failing.length ? 'unavailable' : 'ready',
    checks: results,
  });
}
