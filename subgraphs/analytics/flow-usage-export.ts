import type { DataType } from 'apache-arrow';
import {
  Field,
  Float64,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableToIPC,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import type { ExecutorOps } from '../../lib/executor/index.js';
import { ExecutorError } from '../../lib/executor/index.js';
import { fromExecutorError } from '../media/errors.js';
import { dateTimeArg, idArg } from './arguments.js';
import type { UsageGroupValue } from './store-analytics.js';
import { flowUsage } from './store-analytics.js';

/**
 * `analytics.flowUsage` as an Arrow IPC stream (`GET /export/analytics/flow-usage`): the same figures,
 * one row per group. The answer is an aggregate (a few rows per format, codec and container), so it is
 * built in one piece. Rows: `grouping` "total" (key null) first, then "format", "codec", "container",
 * each in the GraphQL answer's order; durations in seconds, as GraphQL gives them.
 */

export interface FlowUsageExportRequest {
  readonly format?: string | undefined;
  readonly sourceId?: string | undefined;
  /** ISO 8601 date-times with a zone, as the GraphQL arguments. */
  readonly createdAfter?: string | undefined;
  readonly createdBefore?: string | undefined;
}

const SECONDS = new Map([['unit', 'seconds']]);

export const FLOW_USAGE_SCHEMA = new Schema(
  [
    new Field('grouping', new Utf8(), false),
    new Field('key', new Utf8(), true),
    new Field('flow_count', new Int64(), false),
    new Field('segment_count', new Int64(), false),
    new Field('total_duration', new Float64(), false, SECONDS),
    new Field('mean_duration', new Float64(), true, SECONDS),
  ],
  new Map([['tams:export', 'analytics.flowUsage']]),
);

/** Checks the arguments as GraphQL does (BAD_USER_INPUT), computes, and returns the IPC stream's bytes. */
export async function exportFlowUsage(ex: ExecutorOps, request: FlowUsageExportRequest): Promise<Uint8Array> {
  const filter = {
    format: request.format,
    sourceId: idArg(request.sourceId, 'source_id'),
    createdAfter: dateTimeArg(request.createdAfter, 'created_after'),
    createdBefore: dateTimeArg(request.createdBefore, 'created_before'),
  };
  const usage = await flowUsage(ex, filter).catch((error: unknown) => {
    throw error instanceof ExecutorError ? fromExecutorError(error) : error;
  });
  const rows: (UsageGroupValue & { grouping: string })[] = [
    { grouping: 'total', ...usage, key: null },
    ...usage.byFormat.map((g) => ({ grouping: 'format', ...g })),
    ...usage.byCodec.map((g) => ({ grouping: 'codec', ...g })),
    ...usage.byContainer.map((g) => ({ grouping: 'container', ...g })),
  ];
  const columns: unknown[][] = [
    rows.map((r) => r.grouping),
    rows.map((r) => r.key),
    rows.map((r) => BigInt(r.flowCount)),
    rows.map((r) => BigInt(r.segmentCount)),
    rows.map((r) => r.totalDuration),
    rows.map((r) => r.meanDuration),
  ];
  const data = makeData({
    type: new Struct(FLOW_USAGE_SCHEMA.fields),
    length: rows.length,
    nullCount: 0,
    children: FLOW_USAGE_SCHEMA.fields.map(
      (field, i) => vectorFromArray(columns[i]!, field.type as DataType).data[0]!,
    ),
  });
  return tableToIPC(new Table(FLOW_USAGE_SCHEMA, [new RecordBatch(FLOW_USAGE_SCHEMA, data)]), 'stream');
}
