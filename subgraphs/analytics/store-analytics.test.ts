import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTimeRange, NS_PER_SECOND } from '../../lib/tams/index.js';
import type { NonEmptyTimeRange } from '../../lib/tams/index.js';
import {
  referenceMean,
  referencePearson,
  referencePercentile,
  referenceStddev,
} from '../../lib/executor/test-support/reference-stats.js';
import type { AnalyticsHarness } from './test-support/analytics-harness.js';
import { CREATED, openAnalyticsHarness } from './test-support/analytics-harness.js';

const S = NS_PER_SECOND;
const NOW = new Date('2026-12-01T12:10:30.000Z');
const seg = (from: number, to: number, created = CREATED) => ({
  range: makeTimeRange({ start: BigInt(from) * S, end: BigInt(to) * S }) as NonEmptyTimeRange,
  created,
});
const near = (a: number | null | undefined, b: number | null) => {
  if (a === null || a === undefined || b === null) return expect(a ?? null).toBe(b);
  expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));
};

interface FlowSpec {
  id: string;
  source: string;
  format: string;
  codec?: string;
  container?: string;
  created: Date;
  segments: ReturnType<typeof seg>[];
}

describe.each(['sqlite', 'postgres'] as const)('analytics subgraph: store figures [%s]', (backend) => {
  let h: AnalyticsHarness;
  const [s1, s2, s3] = [randomUUID(), randomUUID(), randomUUID()];
  const storageA = randomUUID();
  const video = 'urn:x-nmos:format:video';
  const audio = 'urn:x-nmos:format:audio';
  const minute = (m: number, s = 0) => new Date(NOW.getTime() - m * 60_000 + s * 1000);
  const flows: FlowSpec[] = [
    {
      id: randomUUID(),
      source: s1,
      format: video,
      codec: 'video/h264',
      container: 'video/mp2t',
      created: new Date('2026-11-01T00:00:00Z'),
      // Ingest: 3, 1, 4, 1, 5 segments in the last five minutes.
      segments: [3, 1, 4, 1, 5].flatMap((n, m) =>
        Array.from({ length: n }, (_, k) => seg(m * 100 + k * 10, m * 100 + k * 10 + 6, minute(4 - m, k))),
      ),
    },
    {
      id: randomUUID(),
      source: s1,
      format: audio,
      codec: 'audio/aac',
      created: new Date('2026-11-15T00:00:00Z'),
      // Ingest: 2, 2, 3, 0, 6.
      segments: [2, 2, 3, 0, 6].flatMap((n, m) =>
        Array.from({ length: n }, (_, k) => seg(m * 100 + k * 10, m * 100 + k * 10 + 2, minute(4 - m, k))),
      ),
    },
    { id: randomUUID(), source: s2, format: video, created: new Date('2026-11-20T00:00:00Z'), segments: [] },
  ];
  const objects: { id: string; storage: string | null; bytes: bigint | null; flow: string | null }[] = [
    { id: 'o1', storage: storageA, bytes: 1000n, flow: flows[0]!.id },
    { id: 'o2', storage: storageA, bytes: 3000n, flow: flows[0]!.id },
    { id: 'o3', storage: storageA, bytes: 500n, flow: flows[1]!.id },
    { id: 'o4', storage: storageA, bytes: null, flow: flows[1]!.id },
    { id: 'o5', storage: null, bytes: null, flow: null },
    { id: 'o6', storage: storageA, bytes: 7000n, flow: null },
  ].map((o) => ({ ...o, id: `${o.id}-${randomUUID()}` }));
  const extent = (f: FlowSpec) =>
    f.segments.length === 0
      ? 0
      : (Math.max(...f.segments.map((s) => Number(s.range.end))) -
          Math.min(...f.segments.map((s) => Number(s.range.start)))) /
        1e9;

  beforeAll(async () => {
    h = await openAnalyticsHarness(backend, { now: () => NOW });
    for (const f of flows)
      await h.addFlow(f.id, f.segments, {
        source_id: f.source,
        format: f.format,
        codec: f.codec ?? null,
        container: f.container ?? null,
        created: f.created,
        segments_updated: f.segments.length ? NOW : null,
      });
    await h.executor.insert(
      'objects',
      objects.map((o) => ({
        id: o.id,
        storage_id: o.storage,
        size_bytes: o.bytes,
        first_referenced_by_flow_id: o.flow,
        created: CREATED,
      })),
    );
  });
  afterAll(async () => {
    await h?.close();
  });

  it('Source.stats: flows by format, segments, extent, bytes of its objects; nothing for an unknown source', async () => {
    const result = await h.run<{ _entities: { stats: unknown }[] }>(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Source { stats {
         flowCount flowsByFormat { key count } segmentCount totalDuration storageBytes } } } }`,
      { r: [s1, s2, s3].map((id) => ({ __typename: 'Source', id })) },
    );
    const [a, b] = [flows.slice(0, 2), flows.slice(2)];
    expect(result.data!._entities.map((e) => e.stats)).toEqual([
      {
        flowCount: 2,
        flowsByFormat: [
          { key: audio, count: 1 },
          { key: video, count: 1 },
        ],
        segmentCount: a.reduce((n, f) => n + f.segments.length, 0),
        totalDuration: a.reduce((n, f) => n + extent(f), 0),
        storageBytes: 4500,
      },
      {
        flowCount: 1,
        flowsByFormat: [{ key: video, count: 1 }],
        segmentCount: 0,
        totalDuration: 0,
        storageBytes: 0,
      },
      { flowCount: 0, flowsByFormat: [], segmentCount: 0, totalDuration: 0, storageBytes: 0 },
    ]);
    expect(b).toHaveLength(1);
  });

  it('flowUsage: totals and groups by format, codec and container, with each filter', async () => {
    const query = (args: string) =>
      h.run<{ analytics: { flowUsage: Record<string, unknown> } }>(
        `{ analytics { flowUsage${args} { totalFlows segmentCount totalDuration meanDuration
           byFormat { key flowCount segmentCount totalDuration meanDuration }
           byCodec { key flowCount } byContainer { key flowCount } } } }`,
      );
    // Only this test's flows: filter by source, one at a time and together with the others.
    const usage = (await query(`(sourceId: "${s1}")`)).data!.analytics.flowUsage;
    const mine = flows.slice(0, 2);
    expect(usage.totalFlows).toBe(2);
    expect(usage.segmentCount).toBe(mine.reduce((n, f) => n + f.segments.length, 0));
    near(
      usage.totalDuration as number,
      mine.reduce((n, f) => n + extent(f), 0),
    );
    near(usage.meanDuration as number, referenceMean(mine.map(extent)));
    expect(usage.byCodec).toEqual(
      expect.arrayContaining([
        { key: 'video/h264', flowCount: 1 },
        { key: 'audio/aac', flowCount: 1 },
      ]),
    );
    expect(usage.byContainer).toEqual(
      expect.arrayContaining([
        { key: 'video/mp2t', flowCount: 1 },
        { key: null, flowCount: 1 },
      ]),
    );
    const videoOnly = (await query(`(sourceId: "${s1}", format: "${video}")`)).data!.analytics.flowUsage;
    expect(videoOnly.totalFlows).toBe(1);
    expect(videoOnly.byFormat).toEqual([
      {
        key: video,
        flowCount: 1,
        segmentCount: flows[0]!.segments.length,
        totalDuration: extent(flows[0]!),
        meanDuration: extent(flows[0]!),
      },
    ]);
    const created = (
      await query(
        `(sourceId: "${s1}", createdAfter: "2026-11-10T00:00:00Z", createdBefore: "2026-11-16T00:00:00+00:00")`,
      )
    ).data!.analytics.flowUsage;
    expect(created.totalFlows).toBe(1);
    const none = (await query(`(sourceId: "${s2}")`)).data!.analytics.flowUsage;
    expect([none.totalFlows, none.segmentCount, none.totalDuration, none.meanDuration]).toEqual([
      1,
      0,
      0,
      null,
    ]);
  });

  it('storageUsage: counts, bytes, size distribution, by backend and by flow format', async () => {
    const result = await h.run<{ analytics: { storageUsage: Record<string, unknown> } }>(
      `{ analytics { storageUsage(storageId: "${storageA}") { objectCount sizedObjectCount totalBytes
         sizeDistribution { count min max mean stddev percentiles(p: [0.5, 0.9]) { p value } histogram(bins: 2) { lower upper count } }
         byStorageBackend { key objectCount totalBytes } byFlowFormat { key objectCount totalBytes } } } }`,
    );
    const u = result.data!.analytics.storageUsage;
    const inA = objects.filter((o) => o.storage === storageA);
    const sizes = inA.flatMap((o) => (o.bytes === null ? [] : [Number(o.bytes)]));
    expect([u.objectCount, u.sizedObjectCount, u.totalBytes]).toEqual([5, 4, 11_500]);
    const d = u.sizeDistribution as {
      count: number;
      min: number;
      max: number;
      mean: number;
      stddev: number;
      percentiles: { p: number; value: number }[];
      histogram: { count: number }[];
    };
    expect([d.count, d.min, d.max]).toEqual([4, 500, 7000]);
    near(d.mean, referenceMean(sizes));
    near(d.stddev, referenceStddev(sizes));
    d.percentiles.forEach((p) => near(p.value, referencePercentile(sizes, p.p)));
    // numpy.histogram([1000, 3000, 500, 7000], 2) → [3, 1].
    expect(d.histogram.map((b) => b.count)).toEqual([3, 1]);
    expect(u.byStorageBackend).toEqual([{ key: storageA, objectCount: 5, totalBytes: 11_500 }]);
    expect(u.byFlowFormat).toEqual([
      { key: null, objectCount: 1, totalBytes: 7000 },
      { key: video, objectCount: 2, totalBytes: 4000 },
      { key: audio, objectCount: 2, totalBytes: 500 },
    ]);
  });

  it('correlation: Pearson r of two ingest series; null for a constant one', async () => {
    const r = await h.run<{ analytics: { correlation: number | null; flat: number | null } }>(
      `{ analytics { correlation(flowA: "${flows[0]!.id}", flowB: "${flows[1]!.id}", interval: 60, last: 5)
                     flat: correlation(flowA: "${flows[0]!.id}", flowB: "${flows[2]!.id}", interval: 60, last: 5) } }`,
    );
    near(r.data!.analytics.correlation, referencePearson([3, 1, 4, 1, 5], [2, 2, 3, 0, 6]));
    expect(r.data!.analytics.flat).toBeNull();
  });

  it('ingest: segments registered per interval across the store, zeros included; the span is capped', async () => {
    const r = await h.run<{ analytics: { ingest: { points: { start: string; value: number }[] } } }>(
      '{ analytics { ingest(interval: 60, last: 6) { points { start value } } } }',
    );
    // Both flows' series (3 1 4 1 5 and 2 2 3 0 6) summed, after an interval before the first segment.
    expect(r.data!.analytics.ingest.points).toEqual(
      [0, 5, 3, 7, 1, 11].map((value, i) => ({
        start: new Date(Date.parse('2026-12-01T12:05:00Z') + i * 60_000).toISOString(),
        value,
      })),
    );
    expect(await h.errorCode('{ analytics { ingest(interval: 60, last: 61) { points { value } } } }')).toBe(
      'BAD_USER_INPUT',
    );
  });

  it('queryPerformance: per kind and the slowest statements, without values, for admins only', async () => {
    const query =
      '{ analytics { queryPerformance { kinds { kind count p50Seconds p99Seconds } slowest(limit: 5) { kind table backend rows seconds shape at } } } }';
    expect(await h.errorCode(query)).toBe('FORBIDDEN');
    const result = await h.run<{
      analytics: {
        queryPerformance: {
          kinds: { kind: string; count: number; p50Seconds: number; p99Seconds: number }[];
          slowest: { backend: string; shape: string; seconds: number }[];
        };
      };
    }>(query, undefined, { admin: true });
    const perf = result.data!.analytics.queryPerformance;
    expect(perf.kinds.map((k) => k.kind)).toEqual(expect.arrayContaining(['select', 'aggregate', 'insert']));
    for (const k of perf.kinds) expect(k.p99Seconds).toBeGreaterThanOrEqual(k.p50Seconds);
    expect(perf.slowest.length).toBeGreaterThan(0);
    expect(perf.slowest.length).toBeLessThanOrEqual(5);
    for (const q of perf.slowest) {
      expect(q.backend).toBe(backend);
      for (const f of flows) expect(q.shape).not.toContain(f.id);
    }
    expect(perf.slowest.map((q) => q.seconds)).toEqual(
      [...perf.slowest.map((q) => q.seconds)].sort((a, b) => b - a),
    );
  });

  it('refuses bad arguments with BAD_USER_INPUT and an unknown flow with NOT_FOUND', async () => {
    for (const args of [
      'flowUsage(sourceId: "not-a-uuid") { totalFlows }',
      'flowUsage(createdAfter: "yesterday") { totalFlows }',
      'flowUsage(createdBefore: "2026-11-10") { totalFlows }',
      'storageUsage(storageId: "x") { objectCount }',
      `correlation(flowA: "${flows[0]!.id}", flowB: "${flows[1]!.id}", interval: 0)`,
      `correlation(flowA: "${flows[0]!.id}", flowB: "${flows[1]!.id}", interval: 60, last: 1)`,
      `storageUsage { sizeDistribution { percentiles(p: [2]) { value } } }`,
    ])
      expect(await h.errorCode(`{ analytics { ${args} } }`), args).toBe('BAD_USER_INPUT');
    expect(
      await h.errorCode(
        `{ analytics { correlation(flowA: "${flows[0]!.id}", flowB: "${randomUUID()}", interval: 60) } }`,
      ),
    ).toBe('NOT_FOUND');
  });
});
