import type {
  CacheStore,
  EntryRequest,
  FillEntry,
  ImmutableEntry,
  ReadResult,
  StoreHealth,
} from './cache-store.js';

/**
 * A store whose entries are forgotten whenever the database changed behind this process's back: before
 * each read it asks `changeVersion` (a number that changes whenever *another* process committed to the
 * database, e.g. SQLite's `PRAGMA data_version` on the writer connection) and starts a new epoch when it
 * moved. Writes made by this process invalidate their dependencies as usual (CoherentCache); this covers
 * the others on the same file (the CLI revoking a token, a second server on the data dir).
 *
 * Why a read never serves a value from before such a write W: if W committed before the read's check,
 * the check sees the version move and every earlier entry is of an old epoch; if W committed after the
 * check, the read is concurrent with W, and the entry filled from a lookup made before W carries the
 * epoch that the next read's check replaces.
 */
export class VersionWatchedStore implements CacheStore {
  readonly kind: 'memory' | 'redis';
  private seen: number;
  /** Requests whose reads have checked the version once already. */
  private readonly checked = new WeakSet<object>();

  constructor(
    private readonly inner: CacheStore,
    private readonly changeVersion: () => number,
    /**
     * The request the caller's read belongs to (an object per request), if any. The version is checked
     * at a request's first read only: a write W of another process that completed before the request
     * began is seen by that check; one that completes after it is concurrent with the request, which may
     * then be answered as of before W (as a read checked just before W's commit is). The check, a
     * statement on the writer connection, was three per REST read (token, flow, objects).
     */
    private readonly requestOf: () => object | undefined = () => undefined,
  ) {
    this.kind = inner.kind;
    this.seen = changeVersion();
  }

  async read(requests: readonly EntryRequest[]): Promise<ReadResult[]> {
    const request = this.requestOf();
    if (request === undefined || !this.checked.has(request)) {
      const version = this.changeVersion();
      if (version !== this.seen) {
        await this.inner.bumpEpoch();
        this.seen = version;
      }
      if (request !== undefined) this.checked.add(request);
    }
    return this.inner.read(requests);
  }

  fill(entries: readonly FillEntry[]): Promise<void> {
    return this.inner.fill(entries);
  }

  bump(deps: readonly string[]): Promise<void> {
    return this.inner.bump(deps);
  }

  bumpEpoch(): Promise<void> {
    return this.inner.bumpEpoch();
  }

  /** Content-addressed values cannot be stale: no check. */
  getImmutable(keys: readonly string[]): Promise<(Buffer | undefined)[]> {
    return this.inner.getImmutable(keys);
  }

  setImmutable(entries: readonly ImmutableEntry[]): Promise<void> {
    return this.inner.setImmutable(entries);
  }

  get health(): StoreHealth {
    return this.inner.health;
  }

  onHealth(listener: (health: StoreHealth) => void): () => void {
    return this.inner.onHealth(listener);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
