import type { AggregateRow, ExecutorOps, Predicate } from '../../lib/executor/index.js';
import { and, eq, isIn, isNull, not, range } from '../../lib/executor/index.js';
import type { FlowReads } from './flow-analytics.js';
import { ingestCounts, seconds } from './flow-analytics.js';
import { pearson } from './series.js';

/**
 * Store-wide figures (sources, flow usage, storage usage, correlation), each a function of its arguments
 * computed by grouped aggregates in the executor. Flow durations here are timeline extents (the
 * maintained flow timerange), so no store-wide figure scans segments.
 */

const EXTENT = { kind: 'duration', column: 'timerange' } as const;

export interface CountByKeyValue {
  readonly key: string | null;
  readonly count: number;
}

export interface SourceStatsValue {
  readonly flowCount: number;
  readonly flowsByFormat: readonly CountByKeyValue[];
  readonly segmentCount: number;
  readonly totalDuration: number;
  readonly storageBytes: number;
}

const num = (v: bigint | number | null | undefined) => (v === null || v === undefined ? 0 : Number(v));

/** Stats of several sources in three queries (DataLoader's batch): flows, their ids, their objects. */
export async function sourceStats(
  ex: ExecutorOps,
  sourceIds: readonly string[],
): Promise<SourceStatsValue[]> {
  const [groups, flows] = await Promise.all([
    ex.aggregate({
      table: 'flows',
      where: isIn('source_id', sourceIds),
      groupBy: ['source_id', 'format'],
      measures: {
        n: { fn: 'count' },
        segments: { fn: 'sum', of: { kind: 'column', column: 'segment_count' } },
        extent: { fn: 'sum', of: EXTENT },
      },
    }),
    ex.lookupMany('flows', 'source_id', sourceIds, { columns: ['id'] }),
  ]);
  const flowIds = flows.flat().map((f) => f.id);
  const bytesByFlow = new Map<string, number>();
  if (flowIds.length > 0) {
    const objects = await ex.aggregate({
      table: 'objects',
      where: isIn('first_referenced_by_flow_id', flowIds),
      groupBy: ['first_referenced_by_flow_id'],
      measures: { bytes: { fn: 'sum', of: { kind: 'column', column: 'size_bytes' } } },
    });
    for (const o of objects)
      bytesByFlow.set(o.group.first_referenced_by_flow_id as string, num(o.values.bytes));
  }
  return sourceIds.map((id, i) => {
    const mine = groups.filter((g) => g.group.source_id === id);
    const byFormat = mine
      .map((g) => ({ key: g.group.format as string, count: num(g.values.n) }))
      .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
    return {
      flowCount: byFormat.reduce((a, g) => a + g.count, 0),
      flowsByFormat: byFormat,
      segmentCount: mine.reduce((a, g) => a + num(g.values.segments), 0),
      totalDuration: mine.reduce((a, g) => a + seconds((g.values.extent as bigint | null) ?? 0n), 0),
      storageBytes: flows[i]!.reduce((a, f) => a + (bytesByFlow.get(f.id) ?? 0), 0),
    };
  });
}

export interface FlowUsageFilter {
  readonly format?: string | undefined;
  readonly sourceId?: string | undefined;
  readonly createdAfter?: Date | undefined;
  readonly createdBefore?: Date | undefined;
}

export interface UsageGroupValue {
  readonly key: string | null;
  readonly flowCount: number;
  readonly segmentCount: number;
  readonly totalDuration: number;
  readonly meanDuration: number | null;
}

export interface FlowUsageValue extends Omit<UsageGroupValue, 'key'> {
  readonly totalFlows: number;
  readonly byFormat: readonly UsageGroupValue[];
  readonly byCodec: readonly UsageGroupValue[];
  readonly byContainer: readonly UsageGroupValue[];
}

function flowFilter(f: FlowUsageFilter): Predicate {
  const parts: Predicate[] = [];
  if (f.format !== undefined) parts.push(eq('format', f.format));
  if (f.sourceId !== undefined) parts.push(eq('source_id', f.sourceId));
  if (f.createdAfter !== undefined || f.createdBefore !== undefined)
    parts.push(
      range('created', {
        ...(f.createdAfter ? { gte: f.createdAfter } : {}),
        ...(f.createdBefore ? { lt: f.createdBefore } : {}),
      }),
    );
  return and(...parts);
}

const USAGE_MEASURES = {
  n: { fn: 'count' },
  segments: { fn: 'sum', of: { kind: 'column', column: 'segment_count' } },
  extent: { fn: 'sum', of: EXTENT },
  mean: { fn: 'avg', of: EXTENT },
} as const;

function usage(row: AggregateRow | undefined, key: string | null): UsageGroupValue {
  const mean = row?.values.mean;
  return {
    key,
    flowCount: num(row?.values.n),
    segmentCount: num(row?.values.segments),
    totalDuration: seconds((row?.values.extent as bigint | null | undefined) ?? 0n),
    meanDuration: mean === null || mean === undefined ? null : Number(mean) / 1e9,
  };
}

export async function flowUsage(ex: ExecutorOps, filter: FlowUsageFilter): Promise<FlowUsageValue> {
  const where = flowFilter(filter);
  const grouped = (column: 'format' | 'codec' | 'container') =>
    ex
      .aggregate({ table: 'flows', where, groupBy: [column], measures: USAGE_MEASURES })
      .then((rows) =>
        rows.map((r) => usage(r, r.group[column] as string | null)).sort((a, b) => b.flowCount - a.flowCount),
      );
  const [[total], byFormat, byCodec, byContainer] = await Promise.all([
    ex.aggregate({ table: 'flows', where, measures: USAGE_MEASURES }),
    grouped('format'),
    grouped('codec'),
    grouped('container'),
  ]);
  const { key: _key, ...totals } = usage(total, null);
  return { ...totals, totalFlows: totals.flowCount, byFormat, byCodec, byContainer };
}

export interface StorageGroupValue {
  readonly key: string | null;
  readonly objectCount: number;
  readonly totalBytes: number;
}

export interface StorageUsageSummary {
  readonly objectCount: number;
  readonly sizedObjectCount: number;
  readonly missingObjectCount: number;
  readonly totalBytes: number;
}

const OBJECT_MEASURES = {
  n: { fn: 'count' },
  bytes: { fn: 'sum', of: { kind: 'column', column: 'size_bytes' } },
} as const;

function objectsWhere(storageId: string | undefined): Predicate | undefined {
  return storageId === undefined ? undefined : eq('storage_id', storageId);
}

export async function storageSummary(
  ex: ExecutorOps,
  storageId: string | undefined,
): Promise<StorageUsageSummary> {
  const where = objectsWhere(storageId);
  const [[row], sized, missing] = await Promise.all([
    ex.aggregate({ table: 'objects', where, measures: OBJECT_MEASURES }),
    ex.distribution({
      table: 'objects',
      where,
      of: { kind: 'column', column: 'size_bytes' },
    }),
    ex.count('objects', where ? and(where, not(isNull('missing_since'))) : not(isNull('missing_since'))),
  ]);
  return {
    objectCount: num(row?.values.n),
    sizedObjectCount: sized.count,
    missingObjectCount: missing,
    totalBytes: num(row?.values.bytes),
  };
}

export async function storageByBackend(
  ex: ExecutorOps,
  storageId: string | undefined,
): Promise<StorageGroupValue[]> {
  const rows = await ex.aggregate({
    table: 'objects',
    where: objectsWhere(storageId),
    groupBy: ['storage_id'],
    measures: OBJECT_MEASURES,
  });
  return rows
    .map((r) => ({
      key: r.group.storage_id as string | null,
      objectCount: num(r.values.n),
      totalBytes: num(r.values.bytes),
    }))
    .sort((a, b) => b.totalBytes - a.totalBytes);
}

/** Per format of the flow that first referenced each object: objects grouped by flow, flows' formats looked up. */
export async function storageByFlowFormat(
  ex: ExecutorOps,
  storageId: string | undefined,
): Promise<StorageGroupValue[]> {
  const rows = await ex.aggregate({
    table: 'objects',
    where: objectsWhere(storageId),
    groupBy: ['first_referenced_by_flow_id'],
    measures: OBJECT_MEASURES,
  });
  const flowIds = rows.flatMap((r) => {
    const id = r.group.first_referenced_by_flow_id;
    return typeof id === 'string' ? [id] : [];
  });
  const flows = await ex.lookup('flows', 'id', flowIds, { columns: ['format'] });
  const formatOf = new Map(flowIds.map((id, i) => [id, flows[i]?.format ?? null]));
  const groups = new Map<string | null, { objectCount: number; totalBytes: number }>();
  for (const r of rows) {
    const id = r.group.first_referenced_by_flow_id as string | null;
    // An object whose flow was deleted since keeps no format: it joins the "not referenced" group.
    const key = id === null ? null : (formatOf.get(id) ?? null);
    const g = groups.get(key) ?? { objectCount: 0, totalBytes: 0 };
    g.objectCount += num(r.values.n);
    g.totalBytes += num(r.values.bytes);
    groups.set(key, g);
  }
  return [...groups.entries()].map(([key, g]) => ({ key, ...g })).sort((a, b) => b.totalBytes - a.totalBytes);
}

/** Pearson's r of two flows' ingest series over the same intervals (one grouped query for both). */
export async function correlation(
  reads: FlowReads,
  flowA: string,
  flowB: string,
  intervalMs: number,
  intervals: number,
  now: Date,
): Promise<number | null> {
  const { counts } = await ingestCounts(reads, [flowA, flowB], intervalMs, intervals, now);
  return pearson(counts.get(flowA)!, counts.get(flowB)!);
}
