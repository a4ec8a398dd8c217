import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { InsertRow } from '../catalog/tables.js';
import { eq } from '../predicate.js';
import type { Executor, OrderTerm, Page } from '../types.js';
import type { ContractHarness } from './harness.js';
import { expectErrorCode, flow, NOW, uuid } from './harness.js';

/**
 * Ordering by a nullable column: NULLS LAST in both directions, ties broken by the id in the direction of
 * the last term, the same on every backend; the page key records whether the last row was a null.
 */

type Direction = 'asc' | 'desc';
type FlowRow = InsertRow<'flows'>;

/** Code-point order of ASCII text: what SQLite's BINARY and PostgreSQL's "C" collations agree on. */
function compare(a: string | Date, b: string | Date): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The order the contract promises, computed in JS for the rows a test inserted. */
export function expectedOrder(
  rows: readonly FlowRow[],
  column: 'label' | 'codec',
  direction: Direction,
  then?: { column: 'created'; direction: Direction },
): string[] {
  const tie = then?.direction ?? direction;
  return [...rows]
    .sort((a, b) => {
      const av = a[column] ?? null;
      const bv = b[column] ?? null;
      if (av === null || bv === null) {
        if (av !== bv) return av === null ? 1 : -1; // NULLS LAST, whichever the direction
      } else {
        const c = compare(av, bv);
        if (c !== 0) return direction === 'desc' ? -c : c;
      }
      if (then) {
        const c = compare(a.created, b.created);
        if (c !== 0) return then.direction === 'desc' ? -c : c;
      }
      const c = compare(a.id, b.id);
      return tie === 'desc' ? -c : c;
    })
    .map((r) => r.id);
}

/** Every id of the flows of `source`, paged `limit` at a time in `orderBy`, and the page keys used. */
export async function pageThrough(
  ex: Executor,
  source: string,
  orderBy: OrderTerm<'flows'>[],
  limit: number,
): Promise<{ ids: string[]; keys: string[] }> {
  const ids: string[] = [];
  const keys: string[] = [];
  let after: string | null = null;
  do {
    const page: Page<{ id: string }> = await ex.select({
      table: 'flows',
      columns: ['id'],
      where: eq('source_id', source),
      orderBy,
      limit,
      after,
    });
    ids.push(...page.rows.map((r) => r.id));
    after = page.nextPageKey;
    if (after !== null) keys.push(after);
    if (keys.length > 1000) throw new Error('paging does not terminate');
  } while (after !== null);
  return { ids, keys };
}

const values = fc.option(fc.constantFrom('a', 'b', 'B', 'c', 'ab', 'a b', ''), { nil: null, freq: 3 });

export function nullableSortContract(_h: ContractHarness, ex: () => Executor): void {
  describe('ordering by a nullable column', () => {
    it('pages through any rows with any page size to exactly the fully sorted list, nulls last', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ label: values, codec: values, minute: fc.integer({ min: 0, max: 3 }) }), {
            maxLength: 25,
          }),
          fc.constantFrom('label' as const, 'codec' as const),
          fc.constantFrom<Direction>('asc', 'desc'),
          fc.option(fc.constantFrom<Direction>('asc', 'desc'), { nil: undefined }),
          fc.integer({ min: 1, max: 8 }),
          async (specs, column, direction, thenDirection, limit) => {
            const source = uuid();
            const rows = specs.map((s) =>
              flow({
                source_id: source,
                label: s.label,
                codec: s.codec,
                created: new Date(NOW.getTime() + s.minute * 60_000),
              }),
            );
            if (rows.length) await ex().insert('flows', rows);
            const then = thenDirection && { column: 'created' as const, direction: thenDirection };
            const orderBy: OrderTerm<'flows'>[] = [{ column, direction }, ...(then ? [then] : [])];
            const { ids } = await pageThrough(ex(), source, orderBy, limit);
            expect(ids).toEqual(expectedOrder(rows, column, direction, then));
          },
        ),
        { numRuns: 40 },
      );
    });

    it('records the null state in the page key, and a key among the nulls goes on among them', async () => {
      const source = uuid();
      const rows = [null, 'x', null, 'y', null, null, 'x'].map((label) => flow({ source_id: source, label }));
      await ex().insert('flows', rows);
      for (const direction of ['asc', 'desc'] as const) {
        const { ids, keys } = await pageThrough(ex(), source, [{ column: 'label', direction }], 2);
        expect(ids).toEqual(expectedOrder(rows, 'label', direction));
        const states = keys.map(
          (k) => (JSON.parse(Buffer.from(k, 'base64url').toString()) as [number, string, unknown[]])[2][0],
        );
        // Pages end after rows 2, 4 and 6: a value, then two nulls.
        expect(states.map((s) => s === null)).toEqual([false, true, true]);
      }
    });

    it('refuses a null forged into a key of a non-null position, and a key of another order', async () => {
      const source = uuid();
      await ex().insert('flows', [flow({ source_id: source, label: 'a' }), flow({ source_id: source })]);
      const first = await ex().select({
        table: 'flows',
        where: eq('source_id', source),
        orderBy: [{ column: 'label' }],
        limit: 1,
      });
      const forged = JSON.parse(Buffer.from(first.nextPageKey!, 'base64url').toString()) as [
        number,
        string,
        unknown[],
      ];
      forged[2] = [null, null];
      await expectErrorCode(
        () =>
          ex().select({
            table: 'flows',
            where: eq('source_id', source),
            orderBy: [{ column: 'label' }],
            limit: 1,
            after: Buffer.from(JSON.stringify(forged)).toString('base64url'),
          }),
        'INVALID_PAGE_KEY',
      );
      await expectErrorCode(
        () =>
          ex().select({
            table: 'flows',
            where: eq('source_id', source),
            orderBy: [{ column: 'label', direction: 'desc' }],
            limit: 1,
            after: first.nextPageKey,
          }),
        'INVALID_PAGE_KEY',
      );
    });

    it('sorts a nullable column only as the first term, and never with a row lock', async () => {
      await expectErrorCode(
        () =>
          ex().select({ table: 'flows', orderBy: [{ column: 'created' }, { column: 'label' }], limit: 1 }),
        'INVALID_QUERY',
      );
      await expectErrorCode(
        () =>
          ex().transaction((tx) =>
            tx.select({ table: 'flows', orderBy: [{ column: 'codec' }], limit: 1, lock: true }),
          ),
        'INVALID_QUERY',
      );
    });

    it('pages a batch of nullable-ordered selects like single ones', async () => {
      const sources = [uuid(), uuid()];
      const rows = sources.flatMap((s, i) =>
        [null, 'm', 'n', null].map((label) => flow({ source_id: s, label: i ? label : null })),
      );
      await ex().insert('flows', rows);
      const pages = await ex().selectBatch(
        sources.map((s) => ({
          table: 'flows' as const,
          columns: ['id' as const],
          where: eq('source_id', s),
          orderBy: [{ column: 'label' as const, direction: 'desc' as const }],
          limit: 10,
        })),
      );
      sources.forEach((s, i) =>
        expect(pages[i]!.rows.map((r) => r.id)).toEqual(
          expectedOrder(
            rows.filter((r) => r.source_id === s),
            'label',
            'desc',
          ),
        ),
      );
    });
  });
}
