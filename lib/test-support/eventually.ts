/**
 * How long a test waits for something that must happen before it gives up. A guard against hangs, never
 * a performance claim: on a busy 2-core machine a test process can be descheduled for seconds, so the
 * limit is far above anything a passing run needs, and waiting ends as soon as the condition holds. It
 * stays below vitest's testTimeout (vitest.config.ts) so that the failure names what was awaited.
 */
export const WAIT_LIMIT_MS = 60_000;

/** Polls until `done()` holds; fails naming `what` after `timeoutMs`. */
export async function eventually(
  done: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = WAIT_LIMIT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
