import { randomUUID } from 'node:crypto';
import type { Predicate, Row, Transaction } from '../../../lib/executor/index.js';
import { and, coveredBy, eq, isIn } from '../../../lib/executor/index.js';
import {
  EMPTY,
  ETERNITY,
  formatTimeRange,
  isNonEmpty,
  makeTimeRange,
  spanOf,
} from '../../../lib/tams/index.js';
import type { TimeRange } from '../../../lib/tams/index.js';
import { DomainError, notFound } from '../errors.js';
import { emit, emitDeleteRequest, emitFlow } from './events.js';
import { assertWritable, lockFlow } from './flows.js';
import { emitChangedSources, inferredCollections, removeSourceIfUnused } from './sources.js';
import type { MediaRepository } from './repository.js';
import { write } from './repository.js';
import { checkId, checkText } from './validation.js';

/**
 * Deleting segments and flows (7.0 §6.3, §8). Small deletions finish before the answer; larger ones
 * become a flow delete request that the DeletionWorker carries out in batches. Objects no segment
 * references any more are garbage-collected after the deleting transaction commits.
 */

export interface DeletionOutcome {
  readonly done: boolean;
  readonly request: Row<'flow_delete_requests'> | null;
  /** Objects whose last reference went away; collect them after commit (`collectObjects`). */
  readonly orphanCandidates: readonly string[];
}

/** How long a finished delete request stays visible in /flow-delete-requests. */
const REQUEST_EXPIRY_MS = 24 * 3600 * 1000;

export function segmentsToDelete(flowId: string, range: TimeRange, objectId: string | null): Predicate {
  const parts = [eq('flow_id', flowId), coveredBy('timerange', range)];
  if (objectId !== null) parts.push(eq('object_id', objectId));
  return and(...parts);
}

/**
 * Deletes up to `limit` segments (all when undefined) of a flow lying inside `range`, releasing their
 * object references. Returns the deleted ranges and the objects left without references in this flow.
 */
export async function deleteSegmentRows(
  tx: Transaction,
  now: Date,
  flowId: string,
  range: TimeRange,
  objectId: string | null,
  limit?: number,
): Promise<{ ranges: TimeRange[]; released: string[] }> {
  const deleted = await tx.deleteReturning(
    'segments',
    segmentsToDelete(flowId, range, objectId),
    ['timerange', 'object_id'],
    limit === undefined ? undefined : { limit, orderBy: [{ column: 'timerange' }] },
  );
  const perObject = new Map<string, bigint>();
  for (const d of deleted) perObject.set(d.object_id, (perObject.get(d.object_id) ?? 0n) + 1n);
  const objectIds = [...perObject.keys()];
  // One UPDATE per distinct count (usually just one: an object per segment).
  const byDelta = new Map<bigint, string[]>();
  for (const [object, n] of perObject) byDelta.set(n, [...(byDelta.get(n) ?? []), object]);
  for (const [n, objects] of byDelta)
    for (let i = 0; i < objects.length; i += 5000)
      await tx.increment(
        'flow_object_refs',
        and(eq('flow_id', flowId), isIn('object_id', objects.slice(i, i + 5000))),
        { segment_count: -n },
      );
  for (let i = 0; i < objectIds.length; i += 5000) {
    const chunk = objectIds.slice(i, i + 5000);
    const dropped = await tx.deleteReturning(
      'flow_object_refs',
      and(eq('flow_id', flowId), isIn('object_id', chunk), eq('segment_count', 0n)),
      ['object_id'],
    );
    // Marked in this transaction, so a crash before collection cannot leak the objects.
    if (dropped.length)
      await tx.update(
        'objects',
        isIn(
          'id',
          dropped.map((d) => d.object_id),
        ),
        { gc_candidate_since: now },
      );
  }
  return { ranges: deleted.map((d) => d.timerange), released: objectIds };
}

/** Brings a flow's `timerange` and `segments_updated` up to date after a deletion (the database keeps its totals). */
async function afterSegmentsDeleted(tx: Transaction, now: Date, flow: Row<'flows'>, ranges: TimeRange[]) {
  if (ranges.length === 0) return;
  const edge = async (direction: 'asc' | 'desc') =>
    (
      await tx.select({
        table: 'segments',
        columns: ['timerange'],
        where: eq('flow_id', flow.id),
        orderBy: [{ column: 'timerange', direction }],
        limit: 1,
      })
    ).rows[0]?.timerange;
  const [first, last] = await Promise.all([edge('asc'), edge('desc')]);
  await tx.update('flows', eq('id', flow.id), {
    segments_updated: now,
    timerange: first && last ? spanOf([first, last]) : spanOf([]),
  });
  // 7.0 asks for a range that starts and ends inside deleted segments: the span of what was deleted.
  await emit(
    tx,
    now,
    'flows/segments_deleted',
    { flowId: flow.id, sourceId: flow.source_id },
    {
      flow_id: flow.id,
      timerange: formatTimeRange(spanOf(ranges)),
    },
  );
}

/** True when more than `n` segments match (reads at most n + 1 index entries). */
async function moreThan(tx: Transaction, where: Predicate, n: number): Promise<boolean> {
  const page = await tx.select({ table: 'segments', columns: ['flow_id'], where, limit: n + 1 });
  return page.rows.length > n;
}

function newRequest(
  now: Date,
  flowId: string,
  range: TimeRange,
  objectId: string | null,
  deleteFlow: boolean,
  principal: string | null,
): Row<'flow_delete_requests'> {
  return {
    id: randomUUID(),
    flow_id: flowId,
    timerange_to_delete: range,
    timerange_remaining: range,
    object_id: objectId,
    delete_flow: deleteFlow,
    status: 'created',
    error: null,
    created: now,
    created_by: principal,
    updated: now,
    expiry: null,
  };
}

export async function deleteSegments(
  repository: MediaRepository,
  id: string,
  range: TimeRange | null,
  objectId: string | null,
  principal: string | null,
): Promise<DeletionOutcome> {
  const flowId = checkId(id, 'flowId');
  const timerange = range ?? ETERNITY;
  const object = objectId === null ? null : checkText(objectId, 'objectId', 1024);
  return write(repository, async (tx) => {
    const now = repository.now();
    const flow = await lockFlow(tx, flowId);
    if (!flow) throw notFound(`flow ${flowId}`);
    assertWritable(flow);
    if (
      await moreThan(tx, segmentsToDelete(flowId, timerange, object), repository.limits.syncDeleteSegments)
    ) {
      const request = newRequest(now, flowId, timerange, object, false, principal);
      await tx.insert('flow_delete_requests', [request]);
      await emitDeleteRequest(tx, now, request);
      return { done: false, request, orphanCandidates: [] };
    }
    const { ranges, released } = await deleteSegmentRows(tx, now, flowId, timerange, object);
    await afterSegmentsDeleted(tx, now, flow, ranges);
    return { done: true, request: null, orphanCandidates: released };
  });
}

/**
 * Deletes a flow (7.0 §8): it disappears at once (404 from then on); its segments go now when few, or
 * through a delete request. It leaves collections that list it and stops collecting its members; its
 * source goes with its last flow.
 */
export async function deleteFlow(
  repository: MediaRepository,
  id: string,
  principal: string | null,
): Promise<DeletionOutcome> {
  const flowId = checkId(id);
  return write(repository, async (tx) => {
    const now = repository.now();
    const flow = await lockFlow(tx, flowId);
    if (!flow) throw notFound(`flow ${flowId}`);
    assertWritable(flow);
    const [asCollection, asMember] = await Promise.all([
      tx.lookupMany('flow_collection_items', 'collection_id', [flowId]).then((g) => g[0]!),
      tx.lookupMany('flow_collection_items', 'member_id', [flowId]).then((g) => g[0]!),
    ]);
    const related = await tx.lookup('flows', 'id', [
      ...asCollection.map((i) => i.member_id),
      ...asMember.map((i) => i.collection_id),
    ]);
    const sources = [
      ...new Set([flow.source_id, ...related.filter((f) => f !== null).map((f) => f.source_id)]),
    ];
    const inferredBefore = await inferredCollections(tx, sources);

    let outcome: DeletionOutcome;
    if (flow.segment_count <= BigInt(repository.limits.syncDeleteSegments)) {
      const { released } = await deleteSegmentRows(tx, now, flowId, ETERNITY, null);
      outcome = { done: true, request: null, orphanCandidates: released };
    } else {
      const request = newRequest(now, flowId, ETERNITY, null, true, principal);
      await tx.insert('flow_delete_requests', [request]);
      await emitDeleteRequest(tx, now, request);
      outcome = { done: false, request, orphanCandidates: [] };
    }
    await tx.delete('flow_collection_items', eq('collection_id', flowId));
    await tx.delete('flow_collection_items', eq('member_id', flowId));
    await tx.delete('flows', eq('id', flowId));
    await emit(tx, now, 'flows/deleted', { flowId, sourceId: flow.source_id }, { flow_id: flowId });
    // Flows that collected this one, or were collected by it, changed: new metadata version, an event.
    for (const other of new Set([
      ...asCollection.map((i) => i.member_id),
      ...asMember.map((i) => i.collection_id),
    ])) {
      const [row] = await tx.lookup('flows', 'id', [other]);
      if (!row) continue;
      await tx.update('flows', eq('id', other), { metadata_updated: now, metadata_version: randomUUID() });
      await emitFlow(tx, now, 'flows/updated', other);
    }
    const gone = await removeSourceIfUnused(tx, now, flow.source_id);
    await emitChangedSources(
      tx,
      now,
      sources.filter((s) => !(gone && s === flow.source_id)),
      inferredBefore.filter((_, i) => !(gone && sources[i] === flow.source_id)),
    );
    return outcome;
  });
}

/**
 * One batch of a delete request. Returns false when there was nothing to do (the request is finished or
 * gone). Each batch is its own transaction, so an interrupted deletion resumes where it stopped.
 */
export async function advanceDeleteRequest(
  repository: MediaRepository,
  requestId: string,
  batch: number,
): Promise<{ progressed: boolean; orphanCandidates: string[] }> {
  return write(repository, async (tx) => {
    const [request] = (
      await tx.select({ table: 'flow_delete_requests', where: eq('id', requestId), limit: 1, lock: true })
    ).rows;
    if (!request || (request.status !== 'created' && request.status !== 'started'))
      return { progressed: false, orphanCandidates: [] };
    const now = repository.now();
    // Locked before its segments go: the counters written below are derived from this read.
    const flow = await lockFlow(tx, request.flow_id);
    const { ranges, released } = await deleteSegmentRows(
      tx,
      now,
      request.flow_id,
      request.timerange_to_delete,
      request.object_id,
      batch,
    );
    if (flow && !request.delete_flow) await afterSegmentsDeleted(tx, now, flow, ranges);
    const finished = ranges.length < batch;
    let remaining: TimeRange = EMPTY;
    if (!finished) {
      const [next] = (
        await tx.select({
          table: 'segments',
          columns: ['timerange'],
          where: segmentsToDelete(request.flow_id, request.timerange_to_delete, request.object_id),
          orderBy: [{ column: 'timerange' }],
          limit: 1,
        })
      ).rows;
      remaining = next ? fromStartOf(next.timerange, request.timerange_to_delete) : remaining;
    }
    const progress = {
      status: finished ? 'done' : 'started',
      timerange_remaining: remaining,
      updated: now,
      expiry: finished ? new Date(now.getTime() + REQUEST_EXPIRY_MS) : null,
    };
    await tx.update('flow_delete_requests', eq('id', requestId), progress);
    await emitDeleteRequest(tx, now, { ...request, ...progress });
    return { progressed: true, orphanCandidates: released };
  });
}

/** From the start of `first` to the end of `range`: what a delete request still has to cover. */
function fromStartOf(first: TimeRange, range: TimeRange): TimeRange {
  if (!isNonEmpty(first) || !isNonEmpty(range)) return EMPTY;
  return makeTimeRange({
    start: first.start,
    startInclusive: first.startInclusive,
    end: range.end,
    endInclusive: range.endInclusive,
  });
}

/** Marks a request failed with a TAMS error body, after a batch kept failing. */
export async function failDeleteRequest(
  repository: MediaRepository,
  requestId: string,
  error: unknown,
): Promise<void> {
  const message = error instanceof DomainError ? error.message : 'the deletion failed; see the server log';
  await write(repository, async (tx) => {
    const now = repository.now();
    const [request] = await tx.lookup('flow_delete_requests', 'id', [requestId]);
    if (!request) return;
    const failure = {
      status: 'error',
      error: { type: 'DeletionFailed', summary: message, time: now.toISOString() },
      updated: now,
      expiry: new Date(now.getTime() + REQUEST_EXPIRY_MS),
    };
    await tx.update('flow_delete_requests', eq('id', requestId), failure);
    await emitDeleteRequest(tx, now, { ...request, ...failure });
  });
}
