import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLError } from 'graphql';
import type { GraphQLSchema } from 'graphql';
import { formatTimestamp, isNonEmpty } from '../../lib/tams/index.js';
import { LongScalar } from '../media/scalars.js';
import { toDomainError } from '../media/errors.js';
import { loadSdl } from '../sdl.js';
import type { Resolvers } from './__generated__/resolvers-types.js';
import type { AnalyticsContext as Ctx } from './context.js';
import {
  CAPS,
  dateTimeArg,
  idArg,
  intArg,
  intervalArg,
  nonNegativeArg,
  percentilesArg,
  timerangeArg,
} from './arguments.js';
import { gapsKey, ingestCounts, seconds, timeline } from './flow-analytics.js';
import type { CoverageParent, DistributionParent } from './parents.js';
import {
  correlation,
  flowUsage,
  storageByBackend,
  storageByFlowFormat,
  storageSummary,
} from './store-analytics.js';
import { anomalies, seriesPoints, trend } from './series.js';
import {
  lagSeconds,
  rateWindowArg,
  recentIngestCount,
  storeIngestCount,
  storeIngestSeries,
  storeTotals,
} from './live-figures.js';

/** Runs a resolver body, turning whatever it throws into the coded GraphQL error clients should see. */
async function coded<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw toDomainError(error);
  }
}

const resolvers: Resolvers = {
  Long: LongScalar,
  Flow: {
    __resolveReference: (ref) => ({ id: ref.id }),
    stats: (flow) => ({ flowId: flow.id }),
    coverage: (flow, args) => ({ flowId: flow.id, range: timerangeArg(args.timerange) }),
    timeline: (flow, args, ctx) =>
      coded(() => {
        const range = timerangeArg(args.timerange);
        const buckets = intArg(args.buckets, 'buckets', 1, CAPS.buckets);
        return ctx.memo(['timeline', flow.id, range, buckets], () =>
          ctx.cached.timeline.get(flow.id, [range ?? null, buckets], () =>
            timeline(ctx.reads, flow.id, range, buckets),
          ),
        );
      }),
    segmentDurationStats: (flow, args) => ({
      kind: 'durations',
      flowId: flow.id,
      range: timerangeArg(args.timerange),
    }),
    ingest: (flow, args, ctx) =>
      coded(async () => {
        const intervalMs = intervalArg(args.interval);
        const last = intArg(args.last, 'last', 1, CAPS.last, CAPS.defaultLast);
        const window = intArg(args.window, 'window', 1, last, Math.min(CAPS.defaultWindow, last));
        const now = ctx.now();
        const { starts, counts } = await ctx.memo(['ingest', flow.id, intervalMs, last, now.getTime()], () =>
          ingestCounts(ctx.reads, [flow.id], intervalMs, last, now),
        );
        return { points: seriesPoints(starts, counts.get(flow.id)!, window) };
      }),
  },
  FlowStats: {
    segmentCount: (stats, _, ctx) =>
      coded(async () => Number((await ctx.segmentCount.load(stats.flowId)) ?? 0n)),
    totalDuration: (stats, _, ctx) => coded(async () => seconds(await ctx.totalDuration.load(stats.flowId))),
    firstStart: (stats, _, ctx) =>
      coded(async () => {
        const meta = await ctx.reads.flowMeta(stats.flowId);
        return meta && isNonEmpty(meta.timerange) && meta.timerange.start !== null
          ? formatTimestamp(meta.timerange.start)
          : null;
      }),
    lastEnd: (stats, _, ctx) =>
      coded(async () => {
        const meta = await ctx.reads.flowMeta(stats.flowId);
        return meta && isNonEmpty(meta.timerange) && meta.timerange.end !== null
          ? formatTimestamp(meta.timerange.end)
          : null;
      }),
    lagSeconds: (stats, _, ctx) =>
      coded(async () => {
        const meta = await ctx.reads.flowMeta(stats.flowId);
        return meta ? lagSeconds(meta.timerange) : null;
      }),
    ingestRate: (stats, args, ctx) =>
      coded(async () => {
        const windowMs = rateWindowArg(args.window);
        const meta = await ctx.reads.flowMeta(stats.flowId);
        if (!meta) return 0;
        const count = await recentIngestCount(ctx.reads.executor, stats.flowId, windowMs, ctx.now());
        return count / (windowMs / 1000);
      }),
  },
  Coverage: {
    timerange: (c, _, ctx) => coded(async () => (await summaryOf(c, ctx)).timerange),
    coveredSeconds: (c, _, ctx) => coded(async () => (await summaryOf(c, ctx)).coveredSeconds),
    ratio: (c, _, ctx) => coded(async () => (await summaryOf(c, ctx)).ratio),
    gapCount: (c, _, ctx) => coded(async () => (await summaryOf(c, ctx)).gapCount),
    gaps: (c, args, ctx) =>
      coded(() => {
        const minSeconds = nonNegativeArg(args.minSeconds, 'minSeconds', 0);
        const limit = intArg(args.limit, 'limit', 0, CAPS.gapsLimit, CAPS.defaultGapsLimit);
        return ctx.coverage
          .load(c, { minSeconds, limit })
          .then((answer) => [...answer.gaps.get(gapsKey(minSeconds, limit))!]);
      }),
  },
  Distribution: {
    count: (d, _, ctx) => coded(async () => (await durationsOf(d, ctx)).count),
    min: (d, _, ctx) => coded(async () => (await durationsOf(d, ctx)).min),
    max: (d, _, ctx) => coded(async () => (await durationsOf(d, ctx)).max),
    mean: (d, _, ctx) => coded(async () => (await durationsOf(d, ctx)).mean),
    stddev: (d, _, ctx) => coded(async () => (await durationsOf(d, ctx)).stddev),
    percentiles: (d, args, ctx) =>
      coded(() => {
        const ps = percentilesArg(args.p);
        return ctx.distributions
          .load(d, { ps })
          .then((answer) => ps.map((p) => ({ p, value: answer.percentiles.get(p) ?? null })));
      }),
    histogram: (d, args, ctx) =>
      coded(() => {
        const bins = intArg(args.bins, 'bins', 1, CAPS.bins);
        return ctx.distributions.load(d, { bins }).then((answer) => [...answer.histograms.get(bins)!]);
      }),
  },
  Source: {
    __resolveReference: (ref) => ({ id: ref.id }),
    stats: (source) => ({ sourceId: source.id }),
  },
  SourceStats: {
    flowCount: (s, _, ctx) => coded(async () => (await sourceStatsOf(s.sourceId, ctx)).flowCount),
    flowsByFormat: (s, _, ctx) =>
      coded(async () => [...(await sourceStatsOf(s.sourceId, ctx)).flowsByFormat]),
    segmentCount: (s, _, ctx) => coded(async () => (await sourceStatsOf(s.sourceId, ctx)).segmentCount),
    totalDuration: (s, _, ctx) => coded(async () => (await sourceStatsOf(s.sourceId, ctx)).totalDuration),
    storageBytes: (s, _, ctx) => coded(async () => (await sourceStatsOf(s.sourceId, ctx)).storageBytes),
  },
  Query: {
    analytics: () => ({}),
  },
  StoreAnalytics: {
    flowUsage: (_, args, ctx) =>
      coded(async () => {
        const filter = {
          format: args.format ?? undefined,
          sourceId: idArg(args.sourceId, 'sourceId'),
          createdAfter: dateTimeArg(args.createdAfter, 'createdAfter'),
          createdBefore: dateTimeArg(args.createdBefore, 'createdBefore'),
        };
        const usage = await ctx.memo(['flowUsage', filter], () => flowUsage(ctx.reads.executor, filter));
        return {
          ...usage,
          byFormat: [...usage.byFormat],
          byCodec: [...usage.byCodec],
          byContainer: [...usage.byContainer],
        };
      }),
    storageUsage: (_, args) => ({ storageId: idArg(args.storageId, 'storageId') }),
    totals: () => ({}),
    queryPerformance: (_, _args, ctx) => {
      // Query shapes describe the store's internals: admin only, whatever scope `analytics` needed.
      if (!ctx.caller.admin)
        throw new GraphQLError('analytics.queryPerformance needs the admin scope, which this caller lacks', {
          extensions: { code: 'FORBIDDEN' },
        });
      return { monitor: ctx.monitor };
    },
    correlation: (_, args, ctx) =>
      coded(() => {
        const a = idArg(args.flowA, 'flowA')!;
        const b = idArg(args.flowB, 'flowB')!;
        const intervalMs = intervalArg(args.interval);
        const last = intArg(args.last, 'last', 2, CAPS.last, CAPS.defaultLast);
        const now = ctx.now();
        return ctx.memo(['correlation', a, b, intervalMs, last, now.getTime()], () =>
          correlation(ctx.reads, a, b, intervalMs, last, now),
        );
      }),
    ingest: (_, args, ctx) =>
      coded(async () => {
        const intervalMs = intervalArg(args.interval);
        const last = intArg(args.last, 'last', 1, CAPS.last, CAPS.defaultLast);
        const window = intArg(args.window, 'window', 1, last, Math.min(CAPS.defaultWindow, last));
        const now = ctx.now();
        const { starts, counts } = await ctx.memo(
          ['storeIngestSeries', intervalMs, last, now.getTime()],
          () => storeIngestSeries(ctx.reads.executor, intervalMs, last, now),
        );
        return { points: seriesPoints(starts, counts, window) };
      }),
  },
  StoreTotals: {
    flows: (_, __, ctx) => coded(async () => (await totalsOf(ctx)).flows),
    sources: (_, __, ctx) => coded(async () => (await totalsOf(ctx)).sources),
    segments: (_, __, ctx) => coded(async () => (await totalsOf(ctx)).segments),
    objectBytes: (_, __, ctx) => coded(async () => (await storageOf(undefined, ctx)).totalBytes),
    ingestRate: (_, args, ctx) =>
      coded(async () => {
        const windowMs = rateWindowArg(args.window);
        const now = ctx.now();
        const count = await ctx.memo(['storeIngest', windowMs, now.getTime()], () =>
          storeIngestCount(ctx.reads.executor, windowMs, now),
        );
        return count / (windowMs / 1000);
      }),
  },
  QueryPerformance: {
    kinds: (q) =>
      (q.monitor?.kinds() ?? []).map((k) => ({
        kind: k.kind,
        count: k.count,
        p50Seconds: k.p50,
        p99Seconds: k.p99,
      })),
    endpoints: (q) =>
      (q.monitor?.endpoints() ?? []).map((e) => ({
        endpoint: e.endpoint,
        count: e.count,
        p50Seconds: e.p50,
        p99Seconds: e.p99,
      })),
    slowest: (q, args) => {
      const limit = intArg(args.limit, 'limit', 0, 20, 20);
      return (q.monitor?.slowest(limit) ?? []).map((r) => ({ ...r, at: r.at.toISOString() }));
    },
  },
  StorageUsage: {
    objectCount: (u, _, ctx) => coded(async () => (await storageOf(u.storageId, ctx)).objectCount),
    sizedObjectCount: (u, _, ctx) => coded(async () => (await storageOf(u.storageId, ctx)).sizedObjectCount),
    missingObjectCount: (u, _, ctx) =>
      coded(async () => (await storageOf(u.storageId, ctx)).missingObjectCount),
    totalBytes: (u, _, ctx) => coded(async () => (await storageOf(u.storageId, ctx)).totalBytes),
    sizeDistribution: (u) => ({ kind: 'objectSizes', storageId: u.storageId }),
    byStorageBackend: (u, _, ctx) =>
      coded(() =>
        ctx.memo(['byBackend', u.storageId], () => storageByBackend(ctx.reads.executor, u.storageId)),
      ),
    byFlowFormat: (u, _, ctx) =>
      coded(() =>
        ctx.memo(['byFlowFormat', u.storageId], () => storageByFlowFormat(ctx.reads.executor, u.storageId)),
      ),
  },
  TimeSeries: {
    points: (s) => [...s.points],
    trend: (s) => trend(s.points.map((p) => p.value)),
    anomalies: (s, args) =>
      coded(() =>
        Promise.resolve(
          anomalies(s.points, nonNegativeArg(args.threshold, 'threshold', CAPS.defaultThreshold)),
        ),
      ),
  },
};

async function summaryOf(c: CoverageParent, ctx: Ctx) {
  return (await ctx.coverage.load(c, { summary: true })).summary!;
}

async function durationsOf(d: DistributionParent, ctx: Ctx) {
  return (await ctx.distributions.load(d, {})).summary;
}

function totalsOf(ctx: Ctx) {
  return ctx.memo(['totals'], () => storeTotals(ctx.reads.executor));
}

function storageOf(storageId: string | undefined, ctx: Ctx) {
  return ctx.memo(['storage', storageId], () => storageSummary(ctx.reads.executor, storageId));
}

function sourceStatsOf(sourceId: string, ctx: Ctx) {
  return ctx.sourceStats.load(sourceId);
}

export function buildAnalyticsSchema(): GraphQLSchema {
  return buildSubgraphSchema({ typeDefs: loadSdl('analytics').document, resolvers } as Parameters<
    typeof buildSubgraphSchema
  >[0]);
}
