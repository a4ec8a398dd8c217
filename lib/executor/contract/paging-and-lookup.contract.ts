import { describe, expect, it } from 'vitest';
import { formatTimeRange, timeRange } from '../../tams/index.js';
import type { ColumnName, Row } from '../catalog/tables.js';
import { and, eq, overlaps } from '../predicate.js';
import type { Executor, OrderTerm, Page, Projected, SelectQuery } from '../types.js';
import type { ContractHarness } from './harness.js';
import { expectErrorCode, flow, NOW, segment, uuid } from './harness.js';

async function allPages<C extends ColumnName<'flows'>>(ex: Executor, q: SelectQuery<'flows', C>) {
  const rows: Projected<'flows', C>[] = [];
  let after: string | null = null;
  let pages = 0;
  do {
    const page: Page<Projected<'flows', C>> = await ex.select({ ...q, after });
    rows.push(...page.rows);
    after = page.nextPageKey;
    pages++;
    if (pages > 100) throw new Error('paging does not terminate');
  } while (after !== null);
  return { rows, pages };
}

export function pagingAndLookupContract(_h: ContractHarness, ex: () => Executor): void {
  describe('keyset paging', () => {
    const source = uuid();
    const minute = (i: number) => new Date(NOW.getTime() + (i % 7) * 60_000);
    const flows = Array.from({ length: 57 }, (_, i) =>
      flow({
        source_id: source,
        created: minute(i),
        format: i % 3 ? 'urn:x-nmos:format:video' : 'urn:x-nmos:format:audio',
      }),
    );
    const sorted = (order: OrderTerm<'flows'>[]) =>
      [...flows].sort((a, b) => {
        for (const { column, direction } of [
          ...order,
          { column: 'id' as const, direction: order.at(-1)?.direction },
        ]) {
          const av = a[column as 'id'] as unknown as string | Date;
          const bv = b[column as 'id'] as unknown as string | Date;
          const cmp = av < bv ? -1 : av > bv ? 1 : 0;
          if (cmp !== 0) return direction === 'desc' ? -cmp : cmp;
        }
        return 0;
      });

    it('walks every row exactly once, in order, for each direction and mixed orders', async () => {
      await ex().insert('flows', flows);
      const orders: OrderTerm<'flows'>[][] = [
        [],
        [{ column: 'created', direction: 'desc' }],
        [{ column: 'created' }],
        [{ column: 'format' }, { column: 'created', direction: 'desc' }],
      ];
      for (const orderBy of orders) {
        const { rows, pages } = await allPages(ex(), {
          table: 'flows',
          columns: ['id', 'created'],
          where: eq('source_id', source),
          orderBy,
          limit: 10,
        });
        expect(pages).toBe(6);
        expect(
          rows.map((r) => r.id),
          JSON.stringify(orderBy),
        ).toEqual(sorted(orderBy).map((f) => f.id));
      }
    });

    it('selects by a whole primary key without an order to sort by', async () => {
      const page = await ex().select({ table: 'flows', where: eq('id', flows[3]!.id), limit: 5 });
      expect(page.rows.map((r) => r.id)).toEqual([flows[3]!.id]);
      expect(page.nextPageKey).toBeNull();
      expect(await ex().delete('flows', eq('id', uuid()), { limit: 1 })).toBe(0);
    });

    it('ends with a null key on an exactly full last page', async () => {
      const page = await ex().select({ table: 'flows', where: eq('source_id', source), limit: 57 });
      expect(page.rows).toHaveLength(57);
      expect(page.nextPageKey).toBeNull();
    });

    it('rejects keys that are forged, corrupt or from another order', async () => {
      const first = await ex().select({ table: 'flows', where: eq('source_id', source), limit: 5 });
      const key = first.nextPageKey!;
      await expectErrorCode(
        () =>
          ex().select({
            table: 'flows',
            where: eq('source_id', source),
            orderBy: [{ column: 'created' }],
            limit: 5,
            after: key,
          }),
        'INVALID_PAGE_KEY',
      );
      for (const bad of [
        '',
        'not base64 !',
        'AAAA',
        Buffer.from('[1,"x",[]]').toString('base64url'),
        key.slice(0, -3),
      ])
        await expectErrorCode(
          () => ex().select({ table: 'flows', limit: 5, after: bad }),
          'INVALID_PAGE_KEY',
        );
      const forged = JSON.parse(Buffer.from(key, 'base64url').toString()) as [number, string, unknown[]];
      forged[2] = [42];
      await expectErrorCode(
        () =>
          ex().select({
            table: 'flows',
            where: eq('source_id', source),
            limit: 5,
            after: Buffer.from(JSON.stringify(forged)).toString('base64url'),
          }),
        'INVALID_PAGE_KEY',
      );
    });

    it('refuses to order by unordered columns or a nullable timerange', async () => {
      for (const column of ['tags', 'essence_parameters', 'timerange'] as const)
        await expectErrorCode(
          () => ex().select({ table: 'flows', orderBy: [{ column }], limit: 1 }),
          'INVALID_QUERY',
        );
    });

    it('pages a segment window forwards and backwards', async () => {
      const flowId = uuid();
      await ex().insert(
        'segments',
        Array.from({ length: 30 }, (_, i) => segment(flowId, `[${i}:0_${i + 1}:0)`)),
      );
      const window = and(eq('flow_id', flowId), overlaps('timerange', timeRange('[4:500000000_25:0)')));
      for (const direction of ['asc', 'desc'] as const) {
        const seen: string[] = [];
        let after: string | null = null;
        do {
          const page: Page<Row<'segments'>> = await ex().select({
            table: 'segments',
            where: window,
            orderBy: [{ column: 'timerange', direction }],
            limit: 4,
            after,
          });
          seen.push(...page.rows.map((r) => formatTimeRange(r.timerange)));
          after = page.nextPageKey;
        } while (after);
        const expected = Array.from({ length: 21 }, (_, i) => `[${i + 4}:0_${i + 5}:0)`);
        expect(seen).toEqual(direction === 'asc' ? expected : expected.reverse());
      }
    });
  });

  describe('batched selects', () => {
    it('answers several paged window queries in one round trip, each with its own page key', async () => {
      const flows = [uuid(), uuid(), uuid()];
      await ex().insert(
        'segments',
        flows.flatMap((f, k) =>
          Array.from({ length: 10 + k }, (_, i) => segment(f, `[${i}:0_${i + 1}:0)`, `${k}-${i}`)),
        ),
      );
      const query = (flowId: string, direction: 'asc' | 'desc', after: string | null = null) => ({
        table: 'segments' as const,
        columns: ['object_id' as const],
        where: and(eq('flow_id', flowId), overlaps('timerange', timeRange('[2:0_'))),
        orderBy: [{ column: 'timerange' as const, direction }],
        limit: 4,
        after,
      });
      const first = await ex().selectBatch([
        query(flows[0]!, 'asc'),
        query(flows[1]!, 'desc'),
        query(uuid(), 'asc'),
      ]);
      expect(first.map((p) => p.rows.map((r) => r.object_id))).toEqual([
        ['0-2', '0-3', '0-4', '0-5'],
        ['1-10', '1-9', '1-8', '1-7'],
        [],
      ]);
      const second = await ex().selectBatch([
        query(flows[1]!, 'desc', first[1]!.nextPageKey),
        query(flows[0]!, 'asc', first[0]!.nextPageKey),
      ]);
      expect(second.map((p) => p.rows.map((r) => r.object_id))).toEqual([
        ['1-6', '1-5', '1-4', '1-3'],
        ['0-6', '0-7', '0-8', '0-9'],
      ]);
      expect(second[1]!.nextPageKey).toBeNull();
      // More queries than one statement holds are split transparently.
      const many = await ex().selectBatch(Array.from({ length: 250 }, (_, i) => query(flows[i % 3]!, 'asc')));
      expect(many.map((p) => p.rows.length)).toEqual(Array.from({ length: 250 }, () => 4));
      await expectErrorCode(
        () =>
          ex().selectBatch([query(flows[0]!, 'asc'), { ...query(flows[1]!, 'asc'), columns: ['flow_id'] }]),
        'INVALID_QUERY',
      );
    });
  });

  describe('batch lookup', () => {
    it('returns rows in key order with misses as null, in one call for many keys', async () => {
      const flows = [flow(), flow(), flow()];
      await ex().insert('flows', flows);
      const missing = uuid();
      const keys = [flows[2]!.id, missing, flows[0]!.id, flows[2]!.id];
      const rows = await ex().lookup('flows', 'id', keys, { columns: ['label', 'format'] });
      expect(rows.map((r) => r && r.format)).toEqual([
        'urn:x-nmos:format:video',
        null,
        'urn:x-nmos:format:video',
        'urn:x-nmos:format:video',
      ]);
      expect(rows[1]).toBeNull();
      expect(Object.keys(rows[0]!).sort()).toEqual(['format', 'label']);
      const many = await ex().lookup('flows', 'id', [
        ...Array.from({ length: 12_000 }, () => uuid()),
        flows[1]!.id,
      ]);
      expect(many.filter((r) => r !== null).map((r) => r.id)).toEqual([flows[1]!.id]);
      expect(await ex().lookup('flows', 'id', [])).toEqual([]);
    });

    it('groups one-to-many lookups by key and refuses non-unique keys for lookup', async () => {
      const [a, b] = [uuid(), uuid()];
      await ex().insert('flows', [
        flow({ source_id: a, generation: 2 }),
        flow({ source_id: a, generation: 1 }),
        flow({ source_id: b }),
      ]);
      const groups = await ex().lookupMany('flows', 'source_id', [b, uuid(), a], {
        columns: ['generation'],
        orderBy: [{ column: 'created' }],
      });
      expect(groups.map((g) => g.length)).toEqual([1, 0, 2]);
      await expectErrorCode(() => ex().lookup('flows', 'source_id', [a]), 'INVALID_QUERY');
      await expectErrorCode(() => ex().lookup('flows', 'id', ['nope']), 'INVALID_VALUE');
    });
  });
}
