import { describe, expect, it } from 'vitest';
import { and, eq, range } from '../predicate.js';
import type { Executor } from '../types.js';
import type { ContractHarness } from './harness.js';
import { expectErrorCode, flow, NOW, uuid } from './harness.js';

export function writesAndTransactionsContract(_h: ContractHarness, ex: () => Executor): void {
  describe('writes', () => {
    it('updates, deletes (also in limited batches) and reports counts', async () => {
      const source = uuid();
      const flows = Array.from({ length: 10 }, (_, i) => flow({ source_id: source, generation: i }));
      await ex().insert('flows', flows);
      const mine = eq('source_id', source);
      expect(
        await ex().update('flows', and(mine, range('generation', { lt: 3 })), {
          label: 'early',
          read_only: true,
        }),
      ).toBe(3);
      expect(await ex().count('flows', and(mine, eq('label', 'early'), eq('read_only', true)))).toBe(3);
      expect(
        await ex().delete('flows', and(mine, eq('label', 'early')), {
          limit: 2,
          orderBy: [{ column: 'created' }],
        }),
      ).toBe(2);
      expect(await ex().count('flows', mine)).toBe(8);
      const gone = await ex().deleteReturning('flows', and(mine, range('generation', { gte: 8 })), [
        'id',
        'generation',
      ]);
      expect(gone.map((r) => r.generation).sort()).toEqual([8, 9]);
      expect(await ex().delete('flows', mine)).toBe(6);
    });

    it('upserts: insert-if-absent, overwrite and increment', async () => {
      const flowId = uuid();
      const ref = (count: bigint) => ({
        flow_id: flowId,
        object_id: 'obj/with/slashes',
        segment_count: count,
      });
      expect(
        await ex().upsert('flow_object_refs', [ref(1n)], {
          conflict: ['flow_id', 'object_id'],
          increment: ['segment_count'],
        }),
      ).toBe(1);
      await ex().upsert('flow_object_refs', [ref(4n)], {
        conflict: ['flow_id', 'object_id'],
        increment: ['segment_count'],
      });
      let [row] = await ex().lookupMany('flow_object_refs', 'flow_id', [flowId]);
      expect(row![0]!.segment_count).toBe(5n);
      await ex().upsert('flow_object_refs', [ref(2n)], {
        conflict: ['flow_id', 'object_id'],
        update: ['segment_count'],
      });
      [row] = await ex().lookupMany('flow_object_refs', 'flow_id', [flowId]);
      expect(row![0]!.segment_count).toBe(2n);
      expect(await ex().upsert('flow_object_refs', [ref(9n)], { conflict: ['flow_id', 'object_id'] })).toBe(
        0,
      );
      await expectErrorCode(() => ex().insert('flow_object_refs', [ref(1n)]), 'DUPLICATE_KEY');
    });

    it('adds to numeric columns in place, also negatively, and type-checks the deltas', async () => {
      const flowId = uuid();
      await ex().insert('flow_object_refs', [
        { flow_id: flowId, object_id: 'a', segment_count: 5n },
        { flow_id: flowId, object_id: 'b', segment_count: 2n },
      ]);
      expect(await ex().increment('flow_object_refs', eq('flow_id', flowId), { segment_count: -2n })).toBe(2);
      expect(
        await ex().increment('flow_object_refs', and(eq('flow_id', flowId), eq('object_id', 'a')), {
          segment_count: 4,
        }),
      ).toBe(1);
      const rows = (
        await ex().lookupMany('flow_object_refs', 'flow_id', [flowId], { orderBy: [{ column: 'object_id' }] })
      )[0]!;
      expect(rows.map((r) => r.segment_count)).toEqual([7n, 0n]);
      await expectErrorCode(
        () => ex().increment('flow_object_refs', eq('flow_id', flowId), { segment_count: -1n }),
        'CONSTRAINT_VIOLATION',
      );
      await expectErrorCode(
        () => ex().increment('flow_object_refs', eq('flow_id', flowId), { object_id: 1 }),
        'INVALID_QUERY',
      );
      await expectErrorCode(
        () => ex().increment('flow_object_refs', eq('flow_id', flowId), { segment_count: 1.5 }),
        'INVALID_VALUE',
      );
    });

    it('returns database-generated values and keeps the outbox sequence increasing', async () => {
      const event = () => ({
        event_type: 'flows/created',
        event_timestamp: NOW,
        payload: { flow: { id: uuid() } },
      });
      const first = await ex().insertReturning('event_outbox', [event()], ['seq']);
      const next = await ex().insertReturning('event_outbox', [event(), event()], ['seq', 'payload']);
      expect(next).toHaveLength(2);
      expect(next.every((r) => r.seq > first[0]!.seq)).toBe(true);
      expect(typeof next[0]!.payload).toBe('object');
    });
  });

  describe('transactions', () => {
    it('commits everything or, when the callback throws, nothing', async () => {
      const [a, b] = [flow(), flow()];
      await ex().transaction(async (tx) => {
        await tx.insert('flows', [a]);
        await tx.update('flows', eq('id', a.id), { label: 'in tx' });
        // The transaction sees its own writes.
        expect((await tx.lookup('flows', 'id', [a.id]))[0]!.label).toBe('in tx');
      });
      expect((await ex().lookup('flows', 'id', [a.id]))[0]!.label).toBe('in tx');
      await expect(
        ex().transaction(async (tx) => {
          await tx.insert('flows', [b]);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await ex().lookup('flows', 'id', [b.id])).toEqual([null]);
    });

    it('rolls back only a failed savepoint', async () => {
      const [a, b] = [flow(), flow()];
      await ex().transaction(async (tx) => {
        await tx.insert('flows', [a]);
        await expect(
          tx.savepoint(async (sp) => {
            await sp.insert('flows', [b]);
            await sp.insert('flows', [a]); // duplicate key
          }),
        ).rejects.toMatchObject({ code: 'DUPLICATE_KEY' });
      });
      expect((await ex().lookup('flows', 'id', [a.id, b.id])).map((r) => r?.id ?? null)).toEqual([
        a.id,
        null,
      ]);
    });

    it('turns misuse into clear errors instead of deadlocks or stray writes', async () => {
      let leaked: Parameters<Parameters<Executor['transaction']>[0]>[0] | undefined;
      await ex().transaction(async (tx) => {
        leaked = tx;
        await expectErrorCode(() => ex().insert('flows', [flow()]), 'MISUSE');
        await expectErrorCode(() => ex().transaction(() => Promise.resolve()), 'MISUSE');
      });
      await expectErrorCode(() => leaked!.insert('flows', [flow()]), 'MISUSE');
      await expectErrorCode(() => leaked!.select({ table: 'flows', limit: 1 }), 'MISUSE');
    });

    it('locks selected rows until the transaction ends, and only inside one', async () => {
      const f = flow({ label: 'before' });
      await ex().insert('flows', [f]);
      await expectErrorCode(
        () => ex().select({ table: 'flows', where: eq('id', f.id), limit: 1, lock: true }),
        'MISUSE',
      );
      const order: string[] = [];
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const locked = new Promise<void>((resolve) => {
        void ex().transaction(async (tx) => {
          const page = await tx.select({ table: 'flows', where: eq('id', f.id), limit: 1, lock: true });
          expect(page.rows).toHaveLength(1);
          resolve();
          await held;
          order.push('lock holder commits');
        });
      });
      await locked;
      const writer = ex()
        .update('flows', eq('id', f.id), { label: 'after' })
        .then(() => order.push('writer done'));
      await new Promise((r) => setTimeout(r, 100));
      release();
      await writer;
      expect(order).toEqual(['lock holder commits', 'writer done']);
      expect((await ex().lookup('flows', 'id', [f.id]))[0]!.label).toBe('after');
    });

    it('serialises concurrent read-modify-write transactions without losing updates', async () => {
      const consumer = `test-${uuid()}`;
      await ex().insert('outbox_cursors', [{ consumer, last_seq: 0n, updated: NOW }]);
      await Promise.all(
        Array.from({ length: 20 }, () =>
          ex().transaction(async (tx) => {
            // Lock the row first (an increment-by-upsert), then read and write it.
            await tx.upsert('outbox_cursors', [{ consumer, last_seq: 1n, updated: NOW }], {
              conflict: ['consumer'],
              increment: ['last_seq'],
            });
          }),
        ),
      );
      expect((await ex().lookup('outbox_cursors', 'consumer', [consumer]))[0]!.last_seq).toBe(20n);
    });
  });
}
