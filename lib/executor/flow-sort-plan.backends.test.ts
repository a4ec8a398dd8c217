import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flow, segment } from './contract/harness.js';
import type { InsertRow } from './catalog/tables.js';
import { PostgresExecutor } from './postgres/postgres-executor.js';
import { SqliteExecutor } from './sqlite/sqlite-executor.js';
import { createTestDatabase } from './test-support/postgres-test-database.js';
import type { TestDatabase } from './test-support/postgres-test-database.js';
import type { Executor, OrderTerm } from './types.js';

/**
 * The flow listing's sort orders stay index seeks on a store of 100k flows, on both backends: every page
 * (the first, one deep among the values, one among the nulls) reads an index in order and stops at the
 * limit. Plans, not timings: a loaded machine changes the time, not the plan.
 */

const FLOWS = 100_000;
const dir = mkdtempSync(join(tmpdir(), 'tams-flow-sort-'));
let db: TestDatabase | undefined;
const executors: Partial<Record<'sqlite' | 'postgres', Executor>> = {};

beforeAll(async () => {
  db = await createTestDatabase('tams_flow_sort');
  executors.sqlite = await SqliteExecutor.open({ path: join(dir, 'sort.sqlite3'), synchronous: 'NORMAL' });
  executors.postgres = await PostgresExecutor.open({ url: db.url, poolSize: 2 });
  for (const ex of Object.values(executors))
    for (let c = 0; c < FLOWS; c += 5000) {
      const flows = Array.from({ length: 5000 }, (_, i) =>
        flow({
          label: (c + i) % 5 ? `flow ${(c + i) % 997}` : null,
          codec: (c + i) % 3 ? 'video/h264' : null,
        }),
      );
      await ex.insert('flows', flows);
      // 0–3 segments a flow (none for one in five), so the totals vary and 40% have no last end.
      const segments: InsertRow<'segments'>[] = [];
      flows.forEach((f, i) => {
        const k = c + i;
        if (k % 5 === 0) return;
        for (let j = 0; j < k % 4; j++) {
          const start = BigInt(j * 10 + (k % 97)) * 1_000_000_000n;
          segments.push(
            segment(f.id, {
              kind: 'range',
              start,
              startInclusive: true,
              end: start + 10n,
              endInclusive: false,
            }),
          );
        }
      });
      await ex.insert('segments', segments);
    }
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query('ANALYZE flows');
  await client.end();
}, 300_000);

afterAll(async () => {
  for (const ex of Object.values(executors)) await ex.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** Page keys of a first page, one deep among the values and one among the nulls of `orderBy`. */
async function pageKeys(ex: Executor, orderBy: OrderTerm<'flows'>[]): Promise<(string | null)[]> {
  const keys: (string | null)[] = [null];
  let after: string | null = null;
  let sawValueKey = false;
  for (;;) {
    const page: { nextPageKey: string | null } = await ex.select({
      table: 'flows',
      columns: ['id'],
      orderBy,
      limit: 15_000,
      after,
    });
    after = page.nextPageKey;
    if (after === null) return keys;
    if (isNullKey(after)) return [...keys, after];
    if (!sawValueKey) {
      keys.push(after);
      sawValueKey = true;
    }
  }
}

function isNullKey(key: string | null): boolean {
  return (
    key !== null && (JSON.parse(Buffer.from(key, 'base64url').toString()) as unknown[][])[2]![0] === null
  );
}

type SortColumn = 'label' | 'codec' | 'format' | 'created' | 'segment_count' | 'last_segment_end';
const NULLABLE: SortColumn[] = ['label', 'codec', 'last_segment_end'];
const orders: { column: SortColumn; index: RegExp }[] = [
  { column: 'label', index: /flows_by_label_id|flows_without_label/g },
  { column: 'codec', index: /flows_by_codec_id|flows_without_codec/g },
  { column: 'format', index: /flows_by_format_id/g },
  { column: 'created', index: /flows_by_created_id/g },
  // The segment totals kept by the database (migration 11).
  { column: 'segment_count', index: /flows_by_segment_count_id/g },
  { column: 'last_segment_end', index: /flows_by_last_segment_end_id|flows_without_segments/g },
];

describe.each(['sqlite', 'postgres'] as const)('flow listing sort plans [%s]', (backend) => {
  for (const { column, index } of orders)
    for (const direction of ['asc', 'desc'] as const)
      it(`pages by ${column} ${direction} through its index at any depth`, async () => {
        const ex = executors[backend]!;
        const orderBy: OrderTerm<'flows'>[] = [{ column, direction }];
        const keys = await pageKeys(ex, orderBy);
        const nullable = NULLABLE.includes(column);
        expect(keys.length).toBeGreaterThanOrEqual(nullable ? 3 : 2);
        for (const after of keys) {
          const plan = await ex.explain({
            table: 'flows',
            columns: ['id', 'label', 'codec', 'format', 'created', 'segment_count', 'last_segment_end'],
            orderBy,
            limit: 50,
            after,
          });
          // Each part of a nulls-last page that can still hold rows (or the single query) reads the
          // sort index in order; a table scan never appears.
          expect(plan.match(index)?.length, plan).toBeGreaterThanOrEqual(1);
          if (backend === 'sqlite') {
            // After a key among the nulls the part with values is `WHERE ... AND 1 = 0`: SQLite lists
            // it as a scan but tests the constant once and never enters the loop.
            const live = isNullKey(after) ? plan.replace('CO-ROUTINE with_value\nSCAN flows\n', '') : plan;
            expect(live).not.toMatch(/SCAN flows(?! USING)/);
            // Only the merge of the two limited parts sorts (at most 2 × 51 rows).
            expect(plan.match(/TEMP B-TREE/g)?.length ?? 0, plan).toBe(nullable ? 1 : 0);
          } else {
            expect(plan).not.toMatch(/Seq Scan|Bitmap/);
            expect(plan.match(/Sort Key/g)?.length ?? 0, plan).toBe(nullable ? 1 : 0);
          }
        }
      });
});
