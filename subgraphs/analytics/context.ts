import DataLoader from 'dataloader';
import type { Executor } from '../../lib/executor/index.js';

/** Per-request context of the analytics subgraph: batched reads of computed flow figures. */
export interface AnalyticsContext {
  readonly segmentCount: DataLoader<string, bigint | null>;
}

export function createAnalyticsContext(executor: Executor): AnalyticsContext {
  return {
    // Maintained with the segments (flows.segment_count): one indexed lookup for every flow of a response.
    segmentCount: new DataLoader(async (ids) =>
      (await executor.lookup('flows', 'id', ids, { columns: ['segment_count'] })).map(
        (r) => r?.segment_count ?? null,
      ),
    ),
  };
}
