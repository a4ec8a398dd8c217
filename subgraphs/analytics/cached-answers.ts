import type { DistributionAnswer } from './distribution.js';
import type { CoverageAnswer, FlowMeta, timeline } from './flow-analytics.js';
import type { AnalyticsCacheOptions, FlowAnswers } from './flow-answers.js';
import { flowAnswers, mapsCodec } from './flow-answers.js';

/**
 * The cached kinds of analytics answers of a subgraph, made once per process. Cached: a flow's extent,
 * count and total duration (`stats`), coverage, segment-duration distributions and timelines. Not cached: the
 * ingest series and correlations (they end at the current interval, so each minute is a new answer),
 * and store-wide figures (flow usage, storage, object-size distributions), which no flow's dependency covers.
 */
export interface CachedAnswers {
  readonly flowMeta: FlowAnswers<FlowMetaValue | null>;
  /** The sum of a flow's segment durations, in nanoseconds. */
  readonly totalDuration: FlowAnswers<bigint>;
  readonly coverage: FlowAnswers<CoverageAnswer>;
  readonly durations: FlowAnswers<DistributionAnswer>;
  readonly timeline: FlowAnswers<TimelineValue>;
}

type FlowMetaValue = FlowMeta;
type TimelineValue = Awaited<ReturnType<typeof timeline>>;

export function cachedAnswers(options: AnalyticsCacheOptions | undefined): CachedAnswers {
  return {
    flowMeta: flowAnswers(options, 'flow-meta'),
    totalDuration: flowAnswers(options, 'total-duration'),
    coverage: flowAnswers(
      options,
      'coverage',
      mapsCodec(
        (a: CoverageAnswer) => ({ summary: a.summary ?? null, gaps: [...a.gaps] }),
        (p) => ({ summary: p.summary ?? undefined, gaps: new Map(p.gaps) }),
      ),
    ),
    durations: flowAnswers(
      options,
      'durations',
      mapsCodec(
        (a: DistributionAnswer) => ({
          summary: a.summary,
          percentiles: [...a.percentiles],
          histograms: [...a.histograms],
        }),
        (p) => ({
          summary: p.summary,
          percentiles: new Map(p.percentiles),
          histograms: new Map(p.histograms),
        }),
      ),
    ),
    timeline: flowAnswers(options, 'timeline'),
  };
}
