import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, retryDelayMs } from './retry-backoff.js';

describe('retry backoff', () => {
  it('doubles from 1 s to a 5 min ceiling by default, each delay in the upper half of its step', () => {
    const top = (failures: number) => retryDelayMs(failures, DEFAULT_BACKOFF, () => 1);
    const bottom = (failures: number) => retryDelayMs(failures, DEFAULT_BACKOFF, () => 0);
    expect([1, 2, 3, 4, 5].map(top)).toEqual([1000, 2000, 4000, 8000, 16_000]);
    expect([1, 2, 3].map(bottom)).toEqual([500, 1000, 2000]);
    expect(top(9)).toBe(256_000);
    expect(top(10)).toBe(300_000);
    expect(top(1_000_000)).toBe(300_000);
    expect(bottom(1_000_000)).toBe(150_000);
  });

  it('uses the settings given (tests retry in milliseconds)', () => {
    expect([1, 2, 3, 4, 5].map((f) => retryDelayMs(f, { initialMs: 5, maxMs: 40 }, () => 1))).toEqual([
      5, 10, 20, 40, 40,
    ]);
  });
});
