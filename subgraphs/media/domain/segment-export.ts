import { ExecutorError } from '../../../lib/executor/index.js';
import type { ColumnName } from '../../../lib/executor/index.js';
import { parseTimeRange, validateUuid } from '../../../lib/tams/index.js';
import type { TimeRange } from '../../../lib/tams/index.js';
import { DomainError, fromExecutorError, notFound } from '../errors.js';
import type { MediaRepository } from './repository.js';
import { segmentWindowScan } from './segment-window.js';

/**
 * The Arrow export of a flow's segment index (`GET /export/flows/{id}/segments`): every segment
 * overlapping the timerange, in timeline order, as an Arrow IPC stream read from the database in keyset
 * batches. Only what the index holds: no get URLs (signing 10M URLs is not an export, and they expire).
 */

/** The columns, in order. `timerange` becomes timerange_start/_start_inclusive/_end/_end_inclusive. */
export const SEGMENT_EXPORT_COLUMNS = [
  'timerange',
  'object_id',
  'ts_offset',
  'last_duration',
  'sample_offset',
  'sample_count',
  'key_frame_count',
  'created',
] as const satisfies readonly ColumnName<'segments'>[];

/** Rows per record batch: about 1 MB of Arrow per batch, a few ms of database work per page. */
export const SEGMENT_EXPORT_BATCH = 10_000;

export interface SegmentExportRequest {
  readonly flowId: string;
  /** The `timerange` query parameter as given (TAMS 7.0 grammar); absent is the whole flow. */
  readonly timerange?: string | undefined;
  readonly batchSize?: number;
}

/**
 * Checks the request (a malformed id or timerange is BAD_REQUEST, an unknown flow NOT_FOUND) and returns
 * the stream, which reads nothing until pulled. Executor errors while streaming become domain errors, so
 * one met before the first chunk is answered like any other request's.
 */
export async function exportSegments(
  repository: MediaRepository,
  request: SegmentExportRequest,
): Promise<AsyncIterable<Uint8Array>> {
  const { flowId } = request;
  if (!validateUuid(flowId).ok) throw notFound(`flow ${JSON.stringify(flowId.slice(0, 80))}`);
  let timerange: TimeRange | undefined;
  if (request.timerange !== undefined) {
    const parsed = parseTimeRange(request.timerange);
    if (!parsed.ok) throw new DomainError('BAD_REQUEST', `timerange: ${parsed.error.message}`);
    timerange = parsed.value;
  }
  const [flow] = await repository.executor
    .lookup('flows', 'id', [flowId], { columns: ['id'] })
    .catch(rethrowAsDomainError);
  if (!flow) throw notFound(`flow ${flowId}`);
  return asDomainErrors(
    repository.executor.streamArrow({
      ...segmentWindowScan({ flowId, timerange }),
      columns: SEGMENT_EXPORT_COLUMNS,
      batchSize: request.batchSize ?? SEGMENT_EXPORT_BATCH,
    }),
  );
}

function rethrowAsDomainError(error: unknown): never {
  throw error instanceof ExecutorError ? fromExecutorError(error) : error;
}

async function* asDomainErrors(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    yield* chunks;
  } catch (error) {
    rethrowAsDomainError(error);
  }
}
