import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ResolvedCredentials } from './refreshing-credentials.js';
import { RefreshingCredentials } from './refreshing-credentials.js';

const MIN = 60_000;

function source(sequence: (ResolvedCredentials | Error)[]) {
  const calls = { count: 0 };
  const next = () => {
    const item = sequence[Math.min(calls.count, sequence.length - 1)];
    calls.count += 1;
    return item instanceof Error ? Promise.reject(item) : Promise.resolve(item!);
  };
  return { next, calls };
}
const creds = (token: string, expiresAt?: number): ResolvedCredentials => ({
  accessKeyId: 'AKID',
  secretAccessKey: 'SECRET',
  sessionToken: token,
  expiration: expiresAt === undefined ? undefined : new Date(expiresAt),
});

afterEach(() => {
  vi.useRealTimers();
});

describe('RefreshingCredentials', () => {
  it('never refreshes credentials without an expiry', async () => {
    const s = source([creds('static')]);
    const held = await RefreshingCredentials.create(s.next, { clock: () => 1e15 });
    expect(held.current().sessionToken).toBe('static');
    expect(s.calls.count).toBe(1);
    held.close();
  });

  it('refreshes in the background once inside the window, keeping the old ones meanwhile', async () => {
    let now = 0;
    const s = source([creds('first', 60 * MIN), creds('second', 120 * MIN)]);
    const held = await RefreshingCredentials.create(s.next, { clock: () => now });
    now = 49 * MIN;
    expect(held.current().sessionToken).toBe('first');
    expect(s.calls.count).toBe(1);
    now = 51 * MIN; // inside the 10-minute window
    expect(held.current().sessionToken).toBe('first');
    expect(held.current().sessionToken).toBe('first'); // one refresh in flight, not two
    expect(s.calls.count).toBe(2);
    await held.refresh();
    expect(held.current().sessionToken).toBe('second');
    held.close();
  });

  it('throttles attempts and fails clearly once expired without a successful refresh', async () => {
    let now = 0;
    const failure = Object.assign(new Error('secret-bearing provider output'), {
      name: 'CredentialsProviderError',
    });
    const s = source([creds('first', 60 * MIN), failure]);
    const held = await RefreshingCredentials.create(s.next, { clock: () => now, retryAfterMs: MIN });
    now = 55 * MIN;
    held.current();
    await held.refresh();
    held.current();
    held.current();
    expect(s.calls.count).toBe(2); // throttled for a minute
    now = 61 * MIN;
    const error = (() => {
      try {
        held.current();
      } catch (e) {
        return e;
      }
    })();
    expect(error).toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE' });
    expect((error as Error).message).toContain('CredentialsProviderError');
    expect((error as Error).message).not.toContain('secret-bearing');
    held.close();
  });

  it('refreshes by timer ahead of expiry even when idle', async () => {
    vi.useFakeTimers({ now: 0 });
    const s = source([creds('first', 60 * MIN), creds('second', 120 * MIN)]);
    const held = await RefreshingCredentials.create(s.next);
    await vi.advanceTimersByTimeAsync(49 * MIN);
    expect(s.calls.count).toBe(1);
    await vi.advanceTimersByTimeAsync(2 * MIN);
    expect(s.calls.count).toBe(2);
    expect(held.current().sessionToken).toBe('second');
    held.close();
    await vi.advanceTimersByTimeAsync(200 * MIN);
    expect(s.calls.count).toBe(2);
  });

  it('reports a source that cannot resolve at all as CREDENTIALS_UNAVAILABLE', async () => {
    const s = source([new Error('nope')]);
    await expect(RefreshingCredentials.create(s.next)).rejects.toMatchObject({
      code: 'CREDENTIALS_UNAVAILABLE',
    });
  });
});
