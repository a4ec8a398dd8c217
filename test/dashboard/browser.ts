import { existsSync } from 'node:fs';
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { WAIT_LIMIT_MS } from '../../lib/test-support/eventually.js';

/**
 * Chromium from the OS packages (Debian's `chromium`; `.ci/run` installs it), driven by playwright-core:
 * no browser download. TAMS_CHROMIUM names another binary.
 */
export const CHROMIUM = process.env.TAMS_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `no Chromium at ${CHROMIUM}: install the OS package (apt-get install -y chromium) or set TAMS_CHROMIUM to a Chromium binary`,
    );
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Every console error and uncaught exception of a page, as text. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  return errors;
}

/**
 * Polls (from here, not in the page: its Content-Security-Policy refuses the eval that
 * page.waitForFunction with a string would need) until `done` holds; fails naming `what`.
 */
export async function waitFor(
  done: () => Promise<boolean>,
  what: string,
  timeoutMs = WAIT_LIMIT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until the first element's text (trimmed) is `expected` (a string) or matches it (a RegExp). */
export async function waitForText(page: Page, selector: string, expected: string | RegExp): Promise<void> {
  const matches = (text: string | null | undefined) =>
    text !== null &&
    text !== undefined &&
    (typeof expected === 'string' ? text.trim() === expected : expected.test(text.trim()));
  const read = () => page.locator(selector).first().textContent({ timeout: 1000 });
  try {
    await waitFor(async () => matches(await read()), `${selector} to read ${String(expected)}`);
  } catch (error) {
    const now = await read().catch(() => '(absent)');
    throw new Error(`${(error as Error).message}; it reads ${JSON.stringify(now)}`);
  }
}
