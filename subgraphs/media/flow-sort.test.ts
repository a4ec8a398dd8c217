import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaHarness } from './test-support/media-harness.js';
import { openMediaHarness } from './test-support/media-harness.js';
import { addSeconds, createFlow } from './test-support/operations.js';

/** The media subgraph's `flows(sort:)`; refusals of bad sort arguments are coded by the gateway (test/dashboard/flow-sort.test.ts). */
let h: MediaHarness;
beforeAll(async () => {
  h = await openMediaHarness();
});
afterAll(async () => {
  await h.close();
});

const LIST = `query($filter: FlowFilter, $sort: FlowSort, $limit: Int, $after: String) {
  flows(filter: $filter, sort: $sort, limit: $limit, after: $after) {
    nodes { id label }
    pageInfo { endCursor hasNextPage }
  }
}`;

type ListPage = {
  flows: {
    nodes: { id: string; label: string | null }[];
    pageInfo: { endCursor: string | null; hasNextPage: boolean };
  };
};

async function listAll(sourceId: string, sort: Record<string, unknown> | null, limit: number) {
  const ids: string[] = [];
  let after: string | null = null;
  for (;;) {
    const page: ListPage = (await h.run<ListPage>(LIST, { filter: { sourceId }, sort, limit, after })).data!;
    ids.push(...page.flows.nodes.map((n) => n.id));
    if (!page.flows.pageInfo.hasNextPage) return ids;
    after = page.flows.pageInfo.endCursor;
  }
}

describe('flows(sort:)', () => {
  const sourceId = randomUUID();
  const labels = ['b', null, 'a', 'c', null, 'a', 'B'];
  let flows: { id: string; label: string | null }[] = [];
  beforeAll(async () => {
    flows = [];
    for (const label of labels) flows.push({ id: await createFlow(h, { sourceId, label }), label });
  });

  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  /** Label order, nulls last either way; equal labels by id in the same direction. */
  const expected = (direction: 'ASC' | 'DESC') => {
    const sign = direction === 'DESC' ? -1 : 1;
    return [...flows]
      .sort((x, y) => {
        if (x.label === null || y.label === null) {
          if (x.label !== y.label) return x.label === null ? 1 : -1;
        } else if (x.label !== y.label) return sign * cmp(x.label, y.label);
        return sign * cmp(x.id, y.id);
      })
      .map((f) => f.id);
  };

  for (const direction of ['ASC', 'DESC'] as const)
    it(`pages by label ${direction}, unlabelled flows last, ties by id, across pages of 2`, async () => {
      const ids = await listAll(sourceId, { field: 'LABEL', direction }, 2);
      expect(ids).toEqual(expected(direction));
    });

  it('defaults to ascending, and to the id order without a sort', async () => {
    expect(await listAll(sourceId, { field: 'LABEL' }, 3)).toEqual(expected('ASC'));
    expect(await listAll(sourceId, null, 3)).toEqual(flows.map((f) => f.id).sort());
  });

  it('answers a cursor of another order with INVALID_PAGE_KEY', async () => {
    const first = await h.run<ListPage>(LIST, {
      filter: { sourceId },
      sort: { field: 'LABEL' },
      limit: 2,
    });
    const after = first.data!.flows.pageInfo.endCursor;
    expect(
      await h.errorCode(LIST, { filter: { sourceId }, sort: { field: 'CREATED' }, limit: 2, after }),
    ).toBe('INVALID_PAGE_KEY');
  });
});

describe('flows(sort:) by the segment totals the database keeps', () => {
  const sourceId = randomUUID();
  const DELETE = `mutation($flowId: ID!, $timerange: TimeRange) {
    deleteSegments(flowId: $flowId, timerange: $timerange) { done }
  }`;
  /** Seconds of each flow's one-second segments; the last flow gets none. */
  const plan = [[0, 1, 2], [7], [3, 4], [], [5, 9]];
  let ids: string[] = [];
  beforeAll(async () => {
    ids = [];
    for (const seconds of plan) {
      const id = await createFlow(h, { sourceId });
      if (seconds.length) await addSeconds(h, id, seconds);
      ids.push(id);
    }
    // Through the domain's deletion: flow 4 loses its latest segment ([9:0_10:0)), so it ends at 6:0.
    await h.run(DELETE, { flowId: ids[4], timerange: '[9:0_10:0)' });
  });

  const order = (figure: (i: number) => number | null, direction: 'ASC' | 'DESC') => {
    const sign = direction === 'DESC' ? -1 : 1;
    const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
    return ids
      .map((id, i) => ({ id, v: figure(i) }))
      .sort((a, b) => {
        if ((a.v === null) !== (b.v === null)) return a.v === null ? 1 : -1;
        return sign * ((a.v ?? 0) - (b.v ?? 0) || cmp(a.id, b.id));
      })
      .map((f) => f.id);
  };
  const count = (i: number) => plan[i]!.length - (i === 4 ? 1 : 0);
  const lastEnd = (i: number) => (count(i) ? Math.max(...plan[i]!.filter((s) => s !== 9)) + 1 : null);

  for (const direction of ['ASC', 'DESC'] as const) {
    it(`pages by SEGMENT_COUNT ${direction}, ties by id`, async () => {
      expect(await listAll(sourceId, { field: 'SEGMENT_COUNT', direction }, 2)).toEqual(
        order(count, direction),
      );
    });
    it(`pages by LAST_SEGMENT ${direction}, flows without segments last`, async () => {
      expect(await listAll(sourceId, { field: 'LAST_SEGMENT', direction }, 2)).toEqual(
        order(lastEnd, direction),
      );
    });
  }
});
