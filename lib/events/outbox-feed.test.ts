import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Executor, InsertRow } from '../executor/index.js';
import { PostgresExecutor, SqliteExecutor } from '../executor/index.js';
import type { TestDatabase } from '../executor/test-support/postgres-test-database.js';
import { createTestDatabase } from '../executor/test-support/postgres-test-database.js';
import type { OutboxFeedOptions, FeedEvent } from './outbox-feed.js';
import { OutboxFeed } from './outbox-feed.js';
import { eventually } from '../test-support/eventually.js';

interface Written {
  readonly type: string;
  readonly flowId: string | null;
  readonly sourceId: string | null;
}

const flowEvent = (type = 'flows/updated'): Written => ({
  type,
  flowId: randomUUID(),
  sourceId: randomUUID(),
});
const sourceEvent = (type = 'sources/updated'): Written => ({ type, flowId: null, sourceId: randomUUID() });

/** What a listener saw, without positions (checked separately). */
const keys = (events: readonly FeedEvent[]): Written[] =>
  events.map(({ type, flowId, sourceId }) => ({ type, flowId, sourceId }));

/** A listener that records what it gets. */
function recorder() {
  const events: FeedEvent[] = [];
  const listener = (event: FeedEvent) => void events.push(event);
  /** Whether an event with this event's keys has arrived. */
  const has = (w: Written) => events.some((e) => e.flowId === w.flowId && e.sourceId === w.sourceId);
  return { events, listener, has };
}

/** The outbox feed on both databases: it follows the outbox from "now", for in-process listeners. */
describe.each(['sqlite', 'postgres'] as const)('OutboxFeed on %s', (backend) => {
  let executor: Executor;
  let db: TestDatabase | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'tams-outbox-feed-'));
  const feeds: OutboxFeed[] = [];

  beforeAll(async () => {
    if (backend === 'sqlite') executor = await SqliteExecutor.open({ path: join(dir, 'db.sqlite3') });
    else {
      db = await createTestDatabase('tams_outbox_feed');
      executor = await PostgresExecutor.open({ url: db.url });
    }
  });
  afterEach(async () => {
    vi.useRealTimers();
    vi.restoreAllMocks();
    await Promise.all(feeds.splice(0).map((t) => t.close()));
  });
  afterAll(async () => {
    await executor.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const feed = (options: OutboxFeedOptions) => {
    const t = new OutboxFeed(executor, options);
    feeds.push(t);
    return t;
  };

  /** Commits the events in one transaction, as a mutation emits them. */
  async function write(...events: Written[]): Promise<void> {
    const rows: InsertRow<'event_outbox'>[] = events.map((e) => ({
      event_type: e.type,
      event_timestamp: new Date(),
      flow_id: e.flowId,
      source_id: e.sourceId,
      payload: { note: 'outbox-feed test' },
    }));
    await executor.transaction((tx) => tx.insert('event_outbox', rows));
  }

  /**
   * Writes a last event, wakes the feed and waits until the recorder has it: everything the feed was
   * going to deliver before it has then been delivered.
   */
  async function settle(t: OutboxFeed, r: ReturnType<typeof recorder>): Promise<Written> {
    const sentinel = sourceEvent('sources/created');
    await write(sentinel);
    t.wake();
    await eventually(() => r.has(sentinel), 'the sentinel event');
    return sentinel;
  }

  it('starts a first listener at the outbox head: earlier events are not delivered', async () => {
    const before = [flowEvent('flows/created'), flowEvent()];
    await write(...before);
    const t = feed({ pollMs: 60_000 });
    const r = recorder();
    const remove = await t.listen(r.listener);
    expect(typeof remove).toBe('function');
    expect(t.listenerCount).toBe(1);

    const after = flowEvent('flows/segments_added');
    await write(after);
    const sentinel = await settle(t, r);
    expect(keys(r.events)).toEqual([after, sentinel]);
  });

  it('delivers events committed after listen() to every listener once, in order, with their keys', async () => {
    const t = feed({ pollMs: 60_000 });
    const a = recorder();
    const b = recorder();
    // Listening at once: both wait for the same positioning.
    const head = vi.spyOn(executor, 'outboxHead');
    await Promise.all([t.listen(a.listener), t.listen(b.listener)]);
    expect(head).toHaveBeenCalledTimes(1);
    expect(t.listenerCount).toBe(2);

    const single = [flowEvent('flows/created'), sourceEvent('sources/created'), flowEvent('flows/deleted')];
    const together = [flowEvent('flows/segments_deleted'), sourceEvent('sources/deleted')];
    for (const e of single) await write(e);
    await write(...together);
    t.wake();
    const expected = [...single, ...together];
    await eventually(
      () => a.events.length >= expected.length && b.events.length >= expected.length,
      'events',
    );
    const sentinel = await settle(t, a);
    await eventually(() => b.has(sentinel), 'the sentinel at the second listener');

    for (const r of [a, b]) {
      expect(keys(r.events)).toEqual([...expected, sentinel]);
      const positions = r.events.map((e) => e.position);
      for (const p of positions) expect(typeof p).toBe('bigint');
      for (let i = 1; i < positions.length; i++) expect(positions[i]! > positions[i - 1]!).toBe(true);
    }
    expect(a.events).toEqual(b.events);
  });

  it('tells onDelivered of each event once, whatever the number of listeners, as from the database', async () => {
    const delivered: [string, bigint, Date][] = [];
    const t = feed({
      pollMs: 60_000,
      onDelivered: (source, e, at) => delivered.push([source, e.position, at]),
    });
    const a = recorder();
    const b = recorder();
    await t.listen(a.listener);
    await t.listen(b.listener);
    const before = Date.now();
    await write(flowEvent(), sourceEvent());
    const sentinel = await settle(t, a);
    await eventually(() => b.has(sentinel), 'the sentinel at the second listener');
    expect(delivered.map(([source, position]) => [source, position])).toEqual(
      a.events.map((e) => ['database', e.position]),
    );
    // The outbox row's timestamp (written by `write` just now), for the lag metric.
    for (const [, , at] of delivered) expect(at.getTime()).toBeGreaterThanOrEqual(before - 1000);
  });

  it('reads at once on wake(), without waiting for the poll', async () => {
    const t = feed({ pollMs: 60_000 });
    const read = vi.spyOn(executor, 'readOutbox');
    t.wake(); // nobody listens: nothing to read
    expect(read).not.toHaveBeenCalled();

    const r = recorder();
    await t.listen(r.listener);
    const e = flowEvent();
    await write(e);
    // With a one-minute poll, nothing has read the outbox yet.
    expect(read).not.toHaveBeenCalled();
    expect(r.events).toEqual([]);

    t.wake();
    expect(read).toHaveBeenCalledTimes(1);
    await eventually(() => r.events.length === 1, 'the event');
    expect(keys(r.events)).toEqual([e]);
  });

  it('coalesces wakes during a read into one more read, which misses nothing', async () => {
    const t = feed({ pollMs: 60_000 });
    const r = recorder();
    await t.listen(r.listener);
    const read = vi.spyOn(executor, 'readOutbox');
    const first = flowEvent();
    await write(first);
    t.wake();
    const second = flowEvent();
    const writing = write(second);
    t.wake();
    t.wake();
    expect(read).toHaveBeenCalledTimes(1);
    await writing;
    t.wake();
    await eventually(() => r.has(second), 'the second event');
    const sentinel = await settle(t, r);
    expect(keys(r.events)).toEqual([first, second, sentinel]);
  });

  it('reads on from full pages until the outbox is drained', async () => {
    const t = feed({ pollMs: 60_000, batchSize: 2 });
    const r = recorder();
    await t.listen(r.listener);
    const events = [flowEvent(), flowEvent(), flowEvent(), flowEvent(), flowEvent()];
    await write(...events);
    const read = vi.spyOn(executor, 'readOutbox');
    t.wake();
    await eventually(() => r.events.length === events.length, 'all five events');
    expect(keys(r.events)).toEqual(events);
    // One wake: pages of 2, 2, 1.
    expect(read).toHaveBeenCalledTimes(3);
    for (const [, limit] of read.mock.calls) expect(limit).toBe(2);
  });

  it('delivers by polling too', async () => {
    const t = feed({ pollMs: 20 });
    const r = recorder();
    await t.listen(r.listener);
    const events = [flowEvent('flows/created'), sourceEvent()];
    await write(events[0]!);
    await write(events[1]!);
    // No wake(): only the poll reads.
    await eventually(() => r.events.length === 2, 'two polled events');
    expect(keys(r.events)).toEqual(events);
  });

  it('keeps delivering to the others when a listener throws, and logs it', async () => {
    const log = { error: vi.fn() };
    const t = feed({ pollMs: 60_000, log });
    const failing = vi.fn(() => {
      throw new Error('listener bug');
    });
    const r = recorder();
    await t.listen(failing);
    await t.listen(r.listener);
    const e = flowEvent();
    await write(e);
    t.wake();
    await eventually(() => r.events.length === 1, 'the event');
    expect(failing).toHaveBeenCalledTimes(1);
    expect(log.error).toHaveBeenCalledWith(
      expect.objectContaining({ err: expect.any(Error) as unknown }),
      'a subscription listener failed on an event',
    );
  });

  it('retries a failed read from the same position, skipping nothing', async () => {
    const log = { error: vi.fn() };
    const t = feed({ pollMs: 60_000, log });
    const r = recorder();
    await t.listen(r.listener);
    const e = flowEvent();
    await write(e);
    const read = vi.spyOn(executor, 'readOutbox').mockRejectedValueOnce(new Error('connection reset'));
    t.wake();
    await eventually(() => log.error.mock.calls.length === 1, 'the logged read failure');
    expect(r.events).toEqual([]);
    const sentinel = await settle(t, r);
    expect(keys(r.events)).toEqual([e, sentinel]);
    expect(read.mock.calls[1]![0]).toBe(read.mock.calls[0]![0]);
  });

  it('stops reading when the last listener leaves; a later first listener starts at the then head', async () => {
    // Only the poll's interval is faked: database I/O keeps its real timers.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const t = feed({ pollMs: 20 });
    const a = recorder();
    const b = recorder();
    const removeA = await t.listen(a.listener);
    const removeB = await t.listen(b.listener);
    expect(vi.getTimerCount()).toBe(1);

    const first = flowEvent();
    await write(first);
    vi.advanceTimersByTime(20); // the poll
    await eventually(() => a.events.length === 1 && b.events.length === 1, 'the polled event');

    removeA();
    expect(t.listenerCount).toBe(1);
    expect(vi.getTimerCount()).toBe(1); // b still listens
    removeB();
    expect(t.listenerCount).toBe(0);
    expect(vi.getTimerCount()).toBe(0);

    const read = vi.spyOn(executor, 'readOutbox');
    const missed = flowEvent();
    await write(missed);
    vi.advanceTimersByTime(10_000);
    t.wake();
    expect(read).not.toHaveBeenCalled();

    const c = recorder();
    await t.listen(c.listener);
    expect(vi.getTimerCount()).toBe(1);
    const later = flowEvent();
    await write(later);
    vi.advanceTimersByTime(20);
    await eventually(() => c.events.length >= 1, 'the event after the new head');
    const sentinel = await settle(t, c);
    // Not replayed: what was committed while nobody listened.
    expect(keys(c.events)).toEqual([later, sentinel]);
    expect(keys(a.events)).toEqual([first]);
    expect(keys(b.events)).toEqual([first]);
    removeA(); // removing twice is harmless
    expect(t.listenerCount).toBe(1);
  });

  it('stops everything on close()', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const t = feed({ pollMs: 20 });
    const r = recorder();
    await t.listen(r.listener);
    expect(vi.getTimerCount()).toBe(1);
    await t.close();
    expect(t.listenerCount).toBe(0);
    expect(vi.getTimerCount()).toBe(0);

    const read = vi.spyOn(executor, 'readOutbox');
    await write(flowEvent());
    t.wake();
    vi.advanceTimersByTime(10_000);
    expect(read).not.toHaveBeenCalled();
    expect(r.events).toEqual([]);
    await expect(t.listen(r.listener)).rejects.toThrow('the outbox feed is closed');
    await t.close(); // twice is harmless
  });

  it('close() waits for a read in flight', async () => {
    const t = feed({ pollMs: 60_000 });
    const r = recorder();
    await t.listen(r.listener);
    let reads = 0;
    const original = executor.readOutbox.bind(executor);
    vi.spyOn(executor, 'readOutbox').mockImplementation(async (...args) => {
      const events = await original(...args);
      reads++;
      return events;
    });
    await write(flowEvent());
    t.wake();
    await t.close();
    expect(reads).toBe(1);
    // Closed meanwhile: listeners were cleared, so the event read is nobody's.
    expect(r.events).toEqual([]);
  });

  it('starts no poll when closed, or left by everyone, while the head was being read', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    for (const end of ['close', 'leave'] as const) {
      const t = feed({ pollMs: 20 });
      let release!: (head: bigint) => void;
      vi.spyOn(executor, 'outboxHead').mockImplementationOnce(() => new Promise((r) => (release = r)));
      const r = recorder();
      const listening = t.listen(r.listener);
      if (end === 'close') {
        const closing = t.close();
        release(0n);
        await expect(listening).rejects.toThrow('the outbox feed is closed');
        await closing;
      } else {
        // The listener's own remove() is not known yet; a second listener comes and goes meanwhile.
        const other = recorder();
        const removeOther = t.listen(other.listener);
        (t as unknown as { listeners: Set<unknown> }).listeners.clear();
        release(0n);
        await listening;
        await removeOther;
      }
      expect(vi.getTimerCount(), end).toBe(0);
    }
  });

  it('lets a listen fail when the head cannot be read, and positions again on the next', async () => {
    const t = feed({ pollMs: 60_000 });
    vi.spyOn(executor, 'outboxHead').mockRejectedValueOnce(new Error('database is down'));
    const r = recorder();
    await expect(t.listen(r.listener)).rejects.toThrow('database is down');
    expect(t.listenerCount).toBe(0);
    await t.listen(r.listener);
    expect(t.listenerCount).toBe(1);
    const e = flowEvent();
    await write(e);
    const sentinel = await settle(t, r);
    expect(keys(r.events)).toEqual([e, sentinel]);
  });
});
