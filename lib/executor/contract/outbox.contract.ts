import { describe, expect, it } from 'vitest';
import type { InsertRow } from '../catalog/tables.js';
import { range } from '../predicate.js';
import type { Executor, OutboxEvent } from '../types.js';
import type { ContractHarness } from './harness.js';
import { expectErrorCode, NOW, uuid } from './harness.js';

const event = (name: string): InsertRow<'event_outbox'> => ({
  event_type: 'flows/updated',
  event_timestamp: NOW,
  flow_id: uuid(),
  payload: { name },
});

const nameOf = (e: { payload: unknown }) => (e.payload as { name: string }).name;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `readOutbox`: every committed event once, in commit order, also when transactions commit out of seq
 * order. The webhook dispatcher's cursors rest on it (docs/decisions.md §8).
 */
export function outboxContract(h: ContractHarness, ex: () => Executor): void {
  /** Reads everything there is after `from`, the way a consumer does; returns it and the last position. */
  async function drain(from: bigint, pageSize = 1000): Promise<{ events: OutboxEvent[]; last: bigint }> {
    const events: OutboxEvent[] = [];
    let last = from;
    for (;;) {
      const page = await ex().readOutbox(last, pageSize);
      if (page.length === 0) return { events, last };
      events.push(...page);
      last = page.at(-1)!.position;
    }
  }

  /** A cursor past everything earlier tests wrote, so a test sees only its own events. */
  const fresh = async () => (await drain(await ex().outboxHead())).last;

  describe('outbox', () => {
    it('reads committed events after a position in order, a page at a time, with every column', async () => {
      const start = await fresh();
      const written = await ex().insertReturning('event_outbox', ['a', 'b', 'c', 'd', 'e'].map(event), [
        'seq',
        'flow_id',
      ]);
      const first = await ex().readOutbox(start, 2);
      expect(first.map(nameOf)).toEqual(['a', 'b']);
      expect(first[0]).toEqual({
        seq: written[0]!.seq,
        event_type: 'flows/updated',
        event_timestamp: NOW,
        flow_id: written[0]!.flow_id,
        source_id: null,
        payload: { name: 'a' },
        position: expect.any(BigInt) as bigint,
      });
      expect(first[0]!.position).toBeGreaterThan(start);
      const rest = await ex().readOutbox(first[1]!.position, 10);
      expect(rest.map(nameOf)).toEqual(['c', 'd', 'e']);
      expect(await ex().readOutbox(rest.at(-1)!.position, 10)).toEqual([]);
      expect(await ex().outboxHead()).toBe(rest.at(-1)!.position);
    });

    it('never returns events of a rolled-back transaction, and reads on past them', async () => {
      const start = await fresh();
      await ex().insert('event_outbox', [event('kept 1')]);
      await expect(
        ex().transaction(async (tx) => {
          await tx.insert('event_outbox', [event('rolled back')]);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      await ex().insert('event_outbox', [event('kept 2')]);
      expect((await drain(start)).events.map(nameOf)).toEqual(['kept 1', 'kept 2']);
    });

    it('does not skip an event whose transaction commits after one that took a later seq', async () => {
      const start = await fresh();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let written!: () => void;
      const earlierWritten = new Promise<void>((resolve) => (written = resolve));
      let earlierSeq = 0n;
      const earlier = ex().transaction(async (tx) => {
        const rows = await tx.insertReturning('event_outbox', [event('earlier seq, commits last')], ['seq']);
        earlierSeq = rows[0]!.seq;
        written();
        await gate;
      });
      await earlierWritten;
      // Started outside the open transaction: PostgreSQL commits it at once, with the later seq; SQLite
      // makes it wait for the open transaction (one writer), so it cannot commit first there.
      const later = ex().insert('event_outbox', [event('later seq, commits first')]);
      if (h.backend === 'postgres') {
        await later;
        // Committed and visible, with a seq after the one still open.
        expect(await ex().count('event_outbox', range('seq', { gt: earlierSeq }))).toBe(1);
      } else {
        await sleep(50);
      }
      // A consumer reading now moves its cursor past whatever it got...
      const before = await drain(start);
      expect(before.events.map(nameOf)).toEqual(h.backend === 'postgres' ? ['later seq, commits first'] : []);
      release();
      await Promise.all([earlier, later]);
      // ...and still gets the late one afterwards: a cursor on seq would have skipped it.
      const after = await drain(before.last);
      const all = [...before.events, ...after.events];
      expect(all.map(nameOf).sort()).toEqual(['earlier seq, commits last', 'later seq, commits first']);
      const bySeq = [...all].sort((a, b) => (a.seq < b.seq ? -1 : 1));
      expect(nameOf(bySeq[0]!)).toBe('earlier seq, commits last');
      if (h.backend === 'postgres') expect(all.map(nameOf)[1]).toBe('earlier seq, commits last');
    });

    it('hands a consumer every event of concurrent writers exactly once, in increasing positions', async () => {
      const start = await fresh();
      const expected: string[] = [];
      const writer = async (w: number) => {
        for (let t = 0; t < 12; t++) {
          const names = Array.from({ length: 1 + ((w + t) % 3) }, (_, i) => `w${w} t${t} e${i}`);
          const rollback = (w * 7 + t) % 5 === 0;
          try {
            await ex().transaction(async (tx) => {
              for (const name of names) {
                await tx.insert('event_outbox', [event(name)]);
                await sleep((w + t + name.length) % 3);
              }
              if (rollback) throw new Error('rolled back on purpose');
            });
            expected.push(...names);
          } catch (e) {
            if (!rollback) throw e;
          }
        }
      };
      const seen: OutboxEvent[] = [];
      let done = false;
      const consumer = (async () => {
        let cursor = start;
        while (!done) {
          const page = await ex().readOutbox(cursor, 7);
          seen.push(...page);
          if (page.length) cursor = page.at(-1)!.position;
          else await sleep(2);
        }
        seen.push(...(await drain(cursor)).events);
      })();
      await Promise.all(Array.from({ length: 6 }, (_, w) => writer(w)));
      done = true;
      await consumer;
      expect(seen.map(nameOf).sort()).toEqual([...expected].sort());
      expect(seen.every((e, i) => i === 0 || e.position > seen[i - 1]!.position)).toBe(true);
      // Within one transaction the events keep their order.
      const inWriteOrder = (name: string) => seen.map(nameOf).filter((n) => n.startsWith(name));
      expect(inWriteOrder('w1 t1 ')).toEqual(['w1 t1 e0', 'w1 t1 e1', 'w1 t1 e2']);
    });

    it('gives a head past every event committed before it, also inside a transaction', async () => {
      await fresh();
      // Committed, never read: the head must still count it (a consumer starting there skips it).
      await ex().insert('event_outbox', [event('before the head')]);
      const head = await ex().outboxHead();
      expect(await ex().readOutbox(head, 10)).toEqual([]);
      expect(await ex().transaction((tx) => tx.outboxHead())).toBe(head);
      await ex().insert('event_outbox', [event('after the head')]);
      expect((await drain(head)).events.map(nameOf)).toEqual(['after the head']);
    });

    it('refuses a position that is not a bigint >= 0 and a limit out of range', async () => {
      await expectErrorCode(() => ex().readOutbox(-1n, 10), 'INVALID_QUERY');
      await expectErrorCode(() => ex().readOutbox(5 as unknown as bigint, 10), 'INVALID_QUERY');
      await expectErrorCode(() => ex().readOutbox(0n, 0), 'INVALID_QUERY');
      await expectErrorCode(() => ex().readOutbox(0n, 1_000_000), 'INVALID_QUERY');
    });

    describe('pruneOutbox', () => {
      // Old timestamps of their own, so that no other test's events are ever old enough to be pruned.
      const OLD = new Date('2001-01-01T00:00:00Z');
      const CUTOFF = new Date('2001-01-02T00:00:00Z');
      const old = (name: string): InsertRow<'event_outbox'> => ({ ...event(name), event_timestamp: OLD });

      it('deletes consumed events older than the cutoff, oldest first, at most `limit`', async () => {
        const start = await fresh();
        await ex().insert('event_outbox', ['a', 'b', 'c', 'd', 'e'].map(old));
        await ex().insert('event_outbox', [event('recent')]);
        const { events } = await drain(start);
        const at = (name: string) => events.find((e) => nameOf(e) === name)!.position;

        expect(await ex().pruneOutbox(at('c'), CUTOFF, 1000)).toBeGreaterThanOrEqual(3);
        expect((await drain(start)).events.map(nameOf)).toEqual(['d', 'e', 'recent']);
        expect(await ex().pruneOutbox(at('e'), CUTOFF, 1)).toBe(1);
        expect((await drain(start)).events.map(nameOf)).toEqual(['e', 'recent']);
        // `recent` is past the consumers' position given, and not old: neither deletes it.
        await ex().pruneOutbox(at('recent'), CUTOFF, 1000);
        expect((await drain(start)).events.map(nameOf)).toEqual(['recent']);
      });

      it('keeps the newest event, so positions never repeat', async () => {
        const start = await fresh();
        await ex().insert('event_outbox', ['x', 'y'].map(old));
        const head = await ex().outboxHead();
        await ex().pruneOutbox(head, CUTOFF, 1000);
        expect((await drain(start)).events.map(nameOf)).toEqual(['y']);
        expect(await ex().outboxHead()).toBe(head);
        await ex().insert('event_outbox', [event('after')]);
        const after = await ex().readOutbox(head, 10);
        expect(after.map(nameOf)).toEqual(['after']);
        expect(after[0]!.position).toBeGreaterThan(head);
      });

      it('refuses a bad position, date or limit', async () => {
        await expectErrorCode(() => ex().pruneOutbox(-1n, CUTOFF, 10), 'INVALID_QUERY');
        await expectErrorCode(() => ex().pruneOutbox(1n, new Date(Number.NaN), 10), 'INVALID_QUERY');
        await expectErrorCode(() => ex().pruneOutbox(1n, CUTOFF, 0), 'INVALID_QUERY');
      });
    });
  });
}
