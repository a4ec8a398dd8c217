import { ObjectStoreError } from './errors.js';
import type { SigV4Credentials } from './sigv4-presigner.js';

/**
 * Credentials held for synchronous presigning. The SDK resolves credentials asynchronously on every
 * request, but presigning must be synchronous and cheap, so they are resolved once at start and
 * refreshed in the background before temporary ones (STS, web identity, instance roles) expire: by a
 * timer `refreshBeforeMs` ahead of expiry, and by any presign inside that window. Until a refresh
 * succeeds the old credentials are used; once they have expired presigning fails with
 * `CREDENTIALS_UNAVAILABLE` rather than hand out URLs that cannot work.
 */
export interface ResolvedCredentials extends SigV4Credentials {
  readonly expiration?: Date | undefined;
}

export type CredentialSource = () => Promise<ResolvedCredentials>;

export interface RefreshOptions {
  /** Refresh this long before expiry; default 10 minutes (the SDK's own providers renew at 5). */
  readonly refreshBeforeMs?: number;
  /** Wait at least this long between attempts; default 30 seconds. */
  readonly retryAfterMs?: number;
  /** Milliseconds since the Unix epoch; default `Date.now`. */
  readonly clock?: () => number;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

export class RefreshingCredentials {
  #credentials: ResolvedCredentials;
  #inFlight: Promise<void> | undefined;
  #nextAttempt = 0;
  #lastFailure: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #refreshBeforeMs: number;
  readonly #retryAfterMs: number;
  readonly #clock: () => number;

  private constructor(
    private readonly source: CredentialSource,
    initial: ResolvedCredentials,
    options: RefreshOptions,
  ) {
    this.#credentials = initial;
    this.#refreshBeforeMs = options.refreshBeforeMs ?? 10 * 60_000;
    this.#retryAfterMs = options.retryAfterMs ?? 30_000;
    this.#clock = options.clock ?? Date.now;
    this.#schedule();
  }

  /** Resolves the first credentials; fails with `CREDENTIALS_UNAVAILABLE` if none can be found. */
  static async create(
    source: CredentialSource,
    options: RefreshOptions = {},
  ): Promise<RefreshingCredentials> {
    let initial: ResolvedCredentials;
    try {
      initial = await source();
    } catch (e) {
      throw new ObjectStoreError(
        'CREDENTIALS_UNAVAILABLE',
        `no S3 credentials could be resolved (${failureName(e)}); give them in the options or through the ` +
          "SDK's default chain: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, web identity, " +
          'or a container or instance role',
        { cause: e },
      );
    }
    return new RefreshingCredentials(source, initial, options);
  }

  /** The credentials to sign with now. Synchronous; starts a background refresh when they are due. */
  current(): ResolvedCredentials {
    const expiration = this.#credentials.expiration?.getTime();
    if (expiration === undefined) return this.#credentials;
    const now = this.#clock();
    if (now >= expiration - this.#refreshBeforeMs) void this.refresh();
    if (now >= expiration) {
      throw new ObjectStoreError(
        'CREDENTIALS_UNAVAILABLE',
        `the S3 credentials expired at ${new Date(expiration).toISOString()} and have not been renewed` +
          (this.#lastFailure === undefined ? ' yet' : ` (last attempt: ${this.#lastFailure})`) +
          '; check the credential source, then retry',
      );
    }
    return this.#credentials;
  }

  /** Starts a refresh unless one is running or the last one was under `retryAfterMs` ago. */
  refresh(): Promise<void> {
    if (this.#inFlight !== undefined) return this.#inFlight;
    if (this.#closed || this.#clock() < this.#nextAttempt) return Promise.resolve();
    this.#nextAttempt = this.#clock() + this.#retryAfterMs;
    this.#inFlight = this.source()
      .then(
        (c) => {
          this.#credentials = c;
          this.#lastFailure = undefined;
        },
        (e: unknown) => {
          this.#lastFailure = failureName(e);
        },
      )
      .finally(() => {
        this.#inFlight = undefined;
        this.#schedule();
      });
    return this.#inFlight;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    const expiration = this.#credentials.expiration?.getTime();
    if (this.#closed || expiration === undefined) return;
    const now = this.#clock();
    const due = Math.max(expiration - this.#refreshBeforeMs, this.#nextAttempt, now);
    this.#timer = setTimeout(
      () => {
        void this.refresh();
        if (this.#inFlight === undefined) this.#schedule(); // throttled: try again later
      },
      Math.min(due - now, MAX_TIMER_MS),
    );
    this.#timer.unref();
  }
}

// The error's name only: provider messages can quote process output or file contents.
function failureName(e: unknown): string {
  return e instanceof Error ? e.name : typeof e;
}
