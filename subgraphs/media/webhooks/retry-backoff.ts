/** Backoff between failed delivery attempts to one registration. */
export interface BackoffSettings {
  /** Delay after the first failure. */
  readonly initialMs: number;
  /** The most any delay grows to. */
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffSettings = { initialMs: 1000, maxMs: 5 * 60_000 };

/**
 * The delay before the next attempt after `failures` consecutive failures: doubling from `initialMs` up
 * to `maxMs`, then drawn from its upper half so receivers recovering from an outage are not hit by every
 * store at the same instant.
 */
export function retryDelayMs(failures: number, settings: BackoffSettings, random: () => number): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 40);
  const ceiling = Math.min(settings.maxMs, settings.initialMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
