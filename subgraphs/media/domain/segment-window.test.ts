import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Row } from '../../../lib/executor/index.js';
import type { TimeRange } from '../../../lib/tams/index.js';
import {
  EMPTY,
  ETERNITY,
  formatTimeRange,
  makeTimeRange,
  NS_PER_SECOND,
  overlaps,
  timeRange,
} from '../../../lib/tams/index.js';
import type { MediaHarness } from '../test-support/media-harness.js';
import { openMediaHarness } from '../test-support/media-harness.js';
import { ADD_SEGMENTS, allocate, createFlow } from '../test-support/operations.js';
import type { SegmentWindow } from './segment-window.js';
import { segmentWindowQuery } from './segment-window.js';

/** Segments with gaps, an instant and an inclusive end: every marker rule of the window shows. */
const TIMELINE = ['[0:0_1:0)', '[1:0_2:0)', '[3:0_3:500000000)', '[5:0]', '[6:0_8:0]', '[8:500000000_9:0)'];

describe.each(['sqlite', 'postgres'] as const)('the segment window query on %s', (backend) => {
  let h: MediaHarness;
  let flowId: string;
  let otherFlow: string;
  let objectIds: string[];

  beforeAll(async () => {
    h = await openMediaHarness({ backend });
    flowId = await createFlow(h);
    otherFlow = await createFlow(h);
    objectIds = await allocate(h, flowId, TIMELINE.length);
    await h.run(ADD_SEGMENTS, {
      flowId,
      segments: TIMELINE.map((timerange, i) => ({ objectId: objectIds[i], timerange })),
    });
    // Another flow's segments at the same times must never show.
    await h.run(ADD_SEGMENTS, {
      flowId: otherFlow,
      segments: TIMELINE.map((timerange, i) => ({ objectId: objectIds[i], timerange })),
    });
  });
  afterAll(() => h?.close());

  /** Every page of a window, as timerange text. */
  async function read(window: Omit<SegmentWindow, 'flowId' | 'limit'>, limit = 100): Promise<string[]> {
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const query = segmentWindowQuery({ flowId, limit, ...window, after });
      const page: Page<Row<'segments'>> = await h.executor.select(query);
      seen.push(...page.rows.map((s) => formatTimeRange(s.timerange)));
      after = page.nextPageKey;
    } while (after);
    return seen;
  }

  it('lists the whole flow for no timerange and for `_`, and nothing for `()`', async () => {
    expect(await read({})).toEqual(TIMELINE);
    expect(await read({ timerange: ETERNITY })).toEqual(TIMELINE);
    expect(await read({ timerange: EMPTY })).toEqual([]);
  });

  it('keeps the markers: ranges that only touch do not overlap', async () => {
    expect(await read({ timerange: timeRange('[1:0_2:0)') })).toEqual(['[1:0_2:0)']);
    expect(await read({ timerange: timeRange('(1:0_3:0]') })).toEqual(['[1:0_2:0)', '[3:0_3:500000000)']);
    expect(await read({ timerange: timeRange('[5:0]') })).toEqual(['[5:0]']);
    expect(await read({ timerange: timeRange('(5:0_6:0)') })).toEqual([]);
    expect(await read({ timerange: timeRange('[8:0_8:500000000)') })).toEqual(['[6:0_8:0]']);
  });

  it('finds the one segment holding a window that starts inside it (the timeline lower bound)', async () => {
    expect(await read({ timerange: timeRange('[7:0_7:1)') })).toEqual(['[6:0_8:0]']);
    expect(await read({ timerange: timeRange('[0:500000000_') })).toEqual(TIMELINE);
    expect(await read({ timerange: timeRange('[2:0_3:0)') })).toEqual([]);
  });

  it('pages latest first with reverseOrder, and filters by object', async () => {
    expect(await read({ reverseOrder: true }, 2)).toEqual([...TIMELINE].reverse());
    expect(await read({ timerange: timeRange('[1:0_6:0)'), reverseOrder: true }, 1)).toEqual([
      '[5:0]',
      '[3:0_3:500000000)',
      '[1:0_2:0)',
    ]);
    expect(await read({ objectId: objectIds[4] })).toEqual(['[6:0_8:0]']);
    expect(await read({ objectId: objectIds[4], timerange: timeRange('_6:0)') })).toEqual([]);
  });

  it('returns exactly the segments the time algebra says overlap, in timeline order', async () => {
    const stored = TIMELINE.map(timeRange);
    // Bounds on and between segment edges, at half-second steps from -1 s to 10 s, or unbounded.
    const bound = fc.option(
      fc.integer({ min: -2, max: 20 }).map((half) => (BigInt(half) * NS_PER_SECOND) / 2n),
    );
    const window = fc
      .record({ start: bound, startInclusive: fc.boolean(), end: bound, endInclusive: fc.boolean() })
      .map((b) => makeTimeRange(b));
    await fc.assert(
      fc.asyncProperty(window, fc.boolean(), async (r: TimeRange, reverseOrder) => {
        const expected = stored.filter((s) => overlaps(s, r)).map(formatTimeRange);
        expect(await read({ timerange: r, reverseOrder }, 3)).toEqual(
          reverseOrder ? expected.reverse() : expected,
        );
      }),
      { numRuns: 60 },
    );
  });
});
