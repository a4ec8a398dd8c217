import type {
  CacheStore,
  EntryRequest,
  FillEntry,
  ImmutableEntry,
  ReadResult,
  StoreHealth,
} from '../cache-store.js';
import { MemoryStore } from '../memory-store.js';

type Operation = 'read' | 'fill' | 'bump' | 'bumpEpoch' | 'getImmutable' | 'setImmutable';

/**
 * A store (a memory store unless given another) whose commands can be made to fail and whose connection
 * can be "dropped", to drive `CoherentCache` through outages deterministically. Records every call
 * that reached it in `calls`, and `epoch bumped` there when an epoch bump succeeded.
 */
export class FaultyStore implements CacheStore {
  readonly kind: CacheStore['kind'];
  /** Operations in the order they reached the store, 'epoch bumped' after each successful one, and test markers. */
  readonly calls: string[] = [];
  /** Operations that fail while listed. */
  readonly failing = new Set<Operation>();
  /** Operations that wait for `release()` before they run (or fail). */
  readonly held = new Set<Operation>();
  private releases: (() => void)[] = [];
  /** A connection state set by the test, overriding the inner store's. */
  private connection: StoreHealth | null = null;
  private readonly listeners = new Set<(health: StoreHealth) => void>();

  constructor(readonly inner: CacheStore = new MemoryStore()) {
    this.kind = inner.kind;
    inner.onHealth((health) => {
      for (const listener of this.listeners) listener(health);
    });
  }

  get health(): StoreHealth {
    return this.connection ?? this.inner.health;
  }

  onHealth(listener: (health: StoreHealth) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Drops (`down`) or restores (`up`) the connection; down makes every command fail. */
  setConnection(health: StoreHealth): void {
    this.connection = health;
    for (const listener of this.listeners) listener(health);
  }

  /** Lets every held operation proceed. */
  release(): void {
    const releases = this.releases;
    this.releases = [];
    for (const go of releases) go();
  }

  get waiting(): number {
    return this.releases.length;
  }

  private async call<T>(operation: Operation, run: () => Promise<T>): Promise<T> {
    this.calls.push(operation);
    if (this.held.has(operation)) await new Promise<void>((resolve) => this.releases.push(resolve));
    if (this.connection === 'down' || this.failing.has(operation)) {
      for (const listener of this.listeners) listener('down');
      throw new Error(`${operation} failed (test)`);
    }
    return run();
  }

  read(requests: readonly EntryRequest[]): Promise<ReadResult[]> {
    return this.call('read', () => this.inner.read(requests));
  }
  fill(entries: readonly FillEntry[]): Promise<void> {
    return this.call('fill', () => this.inner.fill(entries));
  }
  bump(deps: readonly string[]): Promise<void> {
    return this.call('bump', () => this.inner.bump(deps));
  }
  bumpEpoch(): Promise<void> {
    return this.call('bumpEpoch', async () => {
      await this.inner.bumpEpoch();
      this.calls.push('epoch bumped');
    });
  }
  getImmutable(keys: readonly string[]): Promise<(Buffer | undefined)[]> {
    return this.call('getImmutable', () => this.inner.getImmutable(keys));
  }
  setImmutable(entries: readonly ImmutableEntry[]): Promise<void> {
    return this.call('setImmutable', () => this.inner.setImmutable(entries));
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
