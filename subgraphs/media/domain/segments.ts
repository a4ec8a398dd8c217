import type { InsertRow, Projected, Row, Transaction } from '../../../lib/executor/index.js';
import { and, eq, isIn, isNull } from '../../../lib/executor/index.js';
import { formatTimeRange, isNonEmpty, spanOf } from '../../../lib/tams/index.js';
import type { TimeRange } from '../../../lib/tams/index.js';
import type { SegmentInput } from '../__generated__/resolvers-types.js';
import { DomainError, toDomainError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { emit } from './events.js';
import { mediaUrlProblem } from './media-url.js';
import { assertWritable, lockFlow } from './flows.js';
import type { MediaRepository } from './repository.js';
import { write } from './repository.js';
import { segmentJson } from './event-payload-json.js';
import { checkId, checkInteger, checkObjectId, checkText } from './validation.js';

/**
 * Segment registration (7.0 §6.1): per-segment outcomes (bulk registration is not atomic), overlap
 * refused by the database, the object rules of 7.0 (new objects only for the flow they were allocated
 * for; registered objects may be reused by any flow; external objects need their URLs), and the flow's
 * `timerange`, `segments_updated` and object references kept in step, in one transaction.
 */

export interface FailedSegmentInfo {
  readonly index: number;
  readonly objectId: string;
  readonly timerange: TimeRange | null;
  readonly code: ErrorCode;
  readonly message: string;
}

class SegmentRejected extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

function checkGetUrls(
  input: SegmentInput,
  repository: MediaRepository,
): { url: string; label?: string }[] | null {
  if (input.getUrls == null) return null;
  return input.getUrls.map((u, i) => {
    const problem = mediaUrlProblem(u.url);
    if (problem !== undefined) throw new SegmentRejected('BAD_REQUEST', `getUrls[${i}].url: ${problem}`);
    if (u.label != null) {
      checkText(u.label, `getUrls[${i}].label`, 1024);
      // 7.0: labels of storage backends belong to the store's own (controlled) URLs.
      if (repository.storage.isBackendLabel(u.label))
        throw new SegmentRejected(
          'RESERVED_URL_LABEL',
          `getUrls[${i}].label ${JSON.stringify(u.label)} is the label of one of this store's storage backends`,
        );
      return { url: u.url, label: u.label };
    }
    return { url: u.url };
  });
}

function prepare(
  input: SegmentInput,
  flowId: string,
  now: Date,
  repository: MediaRepository,
): InsertRow<'segments'> {
  const r = input.timerange;
  if (!isNonEmpty(r) || r.start === null || r.end === null)
    throw new SegmentRejected(
      'INVALID_TIMERANGE',
      `a segment needs a non-empty timerange with a start and an end, got ${formatTimeRange(r)}`,
    );
  const objectId = checkObjectId(input.objectId);
  if (input.lastDuration != null && input.lastDuration < 0n)
    throw new SegmentRejected('BAD_REQUEST', 'lastDuration cannot be negative');
  const count = (v: number | null | undefined, field: string) => {
    const n = checkInteger(v, field, 0);
    return n === null ? null : BigInt(n);
  };
  return {
    flow_id: flowId,
    timerange: r,
    object_id: objectId,
    ts_offset: input.tsOffset ?? 0n,
    last_duration: input.lastDuration ?? null,
    sample_offset: count(input.sampleOffset, 'sampleOffset'),
    sample_count: count(input.sampleCount, 'sampleCount'),
    key_frame_count: count(input.keyFrameCount, 'keyFrameCount'),
    get_urls: checkGetUrls(input, repository),
    created: now,
  };
}

function failure(index: number, input: SegmentInput, code: ErrorCode, message: string): FailedSegmentInfo {
  return { index, objectId: input.objectId, timerange: input.timerange ?? null, code, message };
}

/**
 * Checks each candidate against the 7.0 object rules. Returns the external objects to create and the
 * stored objects as read (locked), which decide the object updates after the insert.
 */
async function applyObjectRules(
  tx: Transaction,
  flowId: string,
  now: Date,
  candidates: { index: number; row: InsertRow<'segments'> }[],
  fail: (index: number, code: ErrorCode, message: string) => void,
): Promise<ObjectsOfRequest> {
  const ids = [...new Set(candidates.map((c) => c.row.object_id))];
  // Locked, so garbage collection cannot remove an object this registration is about to reference.
  const found = ids.length
    ? (
        await tx.select({
          table: 'objects',
          columns: OBJECT_RULE_COLUMNS,
          where: isIn('id', ids),
          limit: ids.length,
          lock: true,
        })
      ).rows
    : [];
  const objects = new Map(found.map((o) => [o.id, o]));
  const external = new Map<string, InsertRow<'objects'>>();
  for (const c of candidates) {
    const object = objects.get(c.row.object_id);
    if (object) {
      if (
        object.first_referenced_by_flow_id === null &&
        object.allocated_for_flow_id &&
        object.allocated_for_flow_id !== flowId
      )
        fail(
          c.index,
          'OBJECT_ALLOCATED_TO_OTHER_FLOW',
          `object ${object.id} was allocated for another flow and has not been registered there yet`,
        );
    } else if (!(c.row.get_urls as unknown[] | null)?.length) {
      fail(
        c.index,
        'UNKNOWN_OBJECT',
        `object ${c.row.object_id} is not in this store: allocate it with storage allocation, or give getUrls for an object held elsewhere`,
      );
    } else {
      external.set(c.row.object_id, { id: c.row.object_id, created: now });
    }
  }
  return { external, stored: objects };
}

/** What the object rules and the reference updates read of a stored object (only these: no row decoded whole). */
const OBJECT_RULE_COLUMNS = [
  'id',
  'allocated_for_flow_id',
  'first_referenced_by_flow_id',
  'gc_candidate_since',
] as const;
type ObjectOfRequest = Projected<'objects', (typeof OBJECT_RULE_COLUMNS)[number]>;

/** What registration reads of its flow: existence, writability, container, the span it extends, the event's keys. */
const FLOW_COLUMNS = ['id', 'source_id', 'read_only', 'container', 'timerange'] as const;
type FlowOfRequest = Projected<'flows', (typeof FLOW_COLUMNS)[number]>;

interface ObjectsOfRequest {
  /** Objects held elsewhere (get URLs given), created with the first segment that uses them. */
  readonly external: Map<string, InsertRow<'objects'>>;
  /** The request's objects already in the store, locked for the transaction. */
  readonly stored: Map<string, ObjectOfRequest>;
}

/** Segments one request may register (bounds the transaction and the IN lists it builds). */
export const MAX_SEGMENTS_PER_REQUEST = 10_000;

export async function addSegments(
  repository: MediaRepository,
  id: string,
  inputs: readonly SegmentInput[],
): Promise<{ failed: FailedSegmentInfo[] }> {
  const flowId = checkId(id, 'flowId');
  if (inputs.length > MAX_SEGMENTS_PER_REQUEST)
    throw new DomainError(
      'BAD_REQUEST',
      `at most ${MAX_SEGMENTS_PER_REQUEST} segments per request (got ${inputs.length}); send them in several requests`,
    );
  return write(repository, async (tx) => {
    const now = repository.now();
    const flow = await lockFlow(tx, flowId, FLOW_COLUMNS);
    if (!flow) throw new DomainError('NOT_FOUND', `flow ${flowId} does not exist`);
    assertWritable(flow);
    if (!flow.container)
      throw new DomainError(
        'CONTAINER_NOT_SET',
        `flow ${flowId} has no container; set it before registering segments`,
      );

    const failed = new Map<number, FailedSegmentInfo>();
    const fail = (index: number, code: ErrorCode, message: string) =>
      failed.set(index, failure(index, inputs[index]!, code, message));
    const candidates: { index: number; row: InsertRow<'segments'> }[] = [];
    inputs.forEach((input, index) => {
      try {
        candidates.push({ index, row: prepare(input, flowId, now, repository) });
      } catch (e) {
        if (e instanceof SegmentRejected || e instanceof DomainError) fail(index, e.code, e.message);
        else throw e;
      }
    });
    const objects = await applyObjectRules(tx, flowId, now, candidates, fail);
    const ready = candidates.filter((c) => !failed.has(c.index));
    const outcomes = await tx.insertEach(
      'segments',
      ready.map((c) => c.row),
    );
    const added: Row<'segments'>[] = [];
    ready.forEach((c, k) => {
      const outcome = outcomes[k]!;
      if (outcome.ok) added.push(c.row as Row<'segments'>);
      else {
        const error = toDomainError(outcome.error);
        fail(c.index, (error.extensions.code as ErrorCode | undefined) ?? 'BAD_REQUEST', error.message);
      }
    });
    if (added.length) await recordAdded(tx, now, flow, added, objects);
    return { failed: [...failed.values()].sort((a, b) => a.index - b.index) };
  });
}

async function recordAdded(
  tx: Transaction,
  now: Date,
  flow: FlowOfRequest,
  added: Row<'segments'>[],
  { external, stored }: ObjectsOfRequest,
): Promise<void> {
  const perObject = new Map<string, bigint>();
  for (const s of added) perObject.set(s.object_id, (perObject.get(s.object_id) ?? 0n) + 1n);
  const objectIds = [...perObject.keys()];
  const newObjects = objectIds.map((o) => external.get(o)).filter((o) => o !== undefined);
  if (newObjects.length) await tx.upsert('objects', newObjects, { conflict: ['id'] });
  await tx.upsert(
    'flow_object_refs',
    objectIds.map((object_id) => ({ flow_id: flow.id, object_id, segment_count: perObject.get(object_id)! })),
    { conflict: ['flow_id', 'object_id'], increment: ['segment_count'] },
  );
  // Only the objects that need it (known from the locked rows), so the common case sends no UPDATE.
  // 7.0: the first flow to register a segment using an object (new external objects have none yet).
  const unreferenced = objectIds.filter(
    (id) => (stored.get(id)?.first_referenced_by_flow_id ?? null) === null,
  );
  if (unreferenced.length)
    await tx.update('objects', and(isIn('id', unreferenced), isNull('first_referenced_by_flow_id')), {
      first_referenced_by_flow_id: flow.id,
    });
  // Referenced again: no longer a garbage-collection candidate.
  const collectable = objectIds.filter((id) => (stored.get(id)?.gc_candidate_since ?? null) !== null);
  if (collectable.length) await tx.update('objects', isIn('id', collectable), { gc_candidate_since: null });
  await tx.update('flows', eq('id', flow.id), {
    segments_updated: now,
    timerange: spanOf([flow.timerange, ...added.map((s) => s.timerange)]),
  });
  await emit(
    tx,
    now,
    'flows/segments_added',
    { flowId: flow.id, sourceId: flow.source_id },
    {
      flow_id: flow.id,
      segments: added.map(segmentJson),
    },
  );
}
