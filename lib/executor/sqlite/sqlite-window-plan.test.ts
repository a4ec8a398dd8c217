import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTimeRange } from '../../tams/index.js';
import { and, eq, overlaps } from '../predicate.js';
import { SqliteExecutor } from './sqlite-executor.js';

const dir = mkdtempSync(join(tmpdir(), 'tams-sqlite-plan-'));
let ex: SqliteExecutor;
const flowId = '5d2e8e5c-1d3b-4f43-9a64-7c5b3c3f4a10';
const S = 1_000_000_000n;

beforeAll(async () => {
  ex = await SqliteExecutor.open({ path: join(dir, 'plan.sqlite3'), synchronous: 'NORMAL' });
  const rows = Array.from({ length: 5000 }, (_, i) => ({
    flow_id: flowId,
    timerange: makeTimeRange({
      start: 1_700_000_000n * S + BigInt(i) * S,
      end: 1_700_000_000n * S + BigInt(i + 1) * S,
    }),
    object_id: `o${i}`,
    created: new Date(),
  }));
  await ex.insert('segments', rows);
});
afterAll(async () => {
  await ex.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('window query plan [sqlite]', () => {
  for (const direction of ['asc', 'desc'] as const)
    it(`seeks the primary key to the window and reads it in time order (${direction})`, async () => {
      const t = 1_700_004_000n * S;
      const plan = await ex.explain({
        table: 'segments',
        where: and(
          eq('flow_id', flowId),
          overlaps('timerange', makeTimeRange({ start: t, end: t + 100n * S })),
        ),
        orderBy: [{ column: 'timerange', direction }],
        limit: 100,
      });
      // Both ends of the window bound the b-tree search: O(log n + k), whatever the flow's length.
      expect(plan).toContain(
        'SEARCH segments USING PRIMARY KEY (flow_id=? AND timerange_start>? AND timerange_start<?)',
      );
      // The lower bound comes from one index probe for the segment straddling the window start.
      expect(plan).toContain('SEARCH segments USING PRIMARY KEY (flow_id=? AND timerange_start<?)');
      expect(plan).not.toMatch(/\bSCAN\b/);
      expect(plan).not.toContain('TEMP B-TREE');
    });
});
