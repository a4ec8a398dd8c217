import { randomUUID } from 'node:crypto';
import type {
  ColumnName,
  InsertRow,
  Projected,
  Row,
  SetValues,
  Transaction,
} from '../../../lib/executor/index.js';
import { and, eq, ExecutorError, isIn } from '../../../lib/executor/index.js';
import { EMPTY } from '../../../lib/tams/index.js';
import type { BitRateKind, FlowCollectionItemInput, FlowInput } from '../__generated__/resolvers-types.js';
import { DomainError, notFound } from '../errors.js';
import { emitFlow } from './events.js';
import type { CollectionItem } from './flow-input.js';
import { collectionItems, flowFields } from './flow-input.js';
import { emitChangedSources, ensureSource, inferredCollections, withTag } from './sources.js';
import type { MediaRepository } from './repository.js';
import { write } from './repository.js';
import {
  checkDescription,
  checkId,
  checkInteger,
  checkLabel,
  checkTagName,
  checkTagValue,
} from './validation.js';

/**
 * Flows: create/replace (ADR0025: full replacement, managed fields ignored), the property setters, and
 * collection maintenance. Every change bumps `metadata_updated` and `metadata_version` and emits
 * `flows/updated` in the same transaction.
 */

export type FlowRow = Row<'flows'>;

/**
 * A flow read for a change (its whole row, or only `columns` of it), locked until the transaction ends
 * (PostgreSQL: FOR UPDATE). Changes write values derived from what they read (the span of timerange,
 * metadata_version + 1): without the lock, two concurrent writers to one flow on PostgreSQL (READ
 * COMMITTED) would both read N and one update would be lost. (SQLite's BEGIN IMMEDIATE serialises whole
 * transactions anyway.)
 */
export async function lockFlow(tx: Transaction, flowId: string): Promise<FlowRow | undefined>;
export async function lockFlow<C extends ColumnName<'flows'>>(
  tx: Transaction,
  flowId: string,
  columns: readonly C[],
): Promise<Projected<'flows', C> | undefined>;
export async function lockFlow(
  tx: Transaction,
  flowId: string,
  columns?: readonly ColumnName<'flows'>[],
): Promise<Partial<FlowRow> | undefined> {
  const where = eq('id', flowId);
  const query = columns
    ? tx.select({ table: 'flows', columns, where, limit: 1, lock: true })
    : tx.select({ table: 'flows', where, limit: 1, lock: true });
  return (await query).rows[0];
}

async function loadFlow(tx: Transaction, flowId: string): Promise<FlowRow> {
  const flow = await lockFlow(tx, flowId);
  if (!flow) throw notFound(`flow ${flowId}`);
  return flow;
}

export function assertWritable(flow: Pick<FlowRow, 'id' | 'read_only'>): void {
  if (flow.read_only)
    throw new DomainError(
      'FLOW_READ_ONLY',
      `flow ${flow.id} is read-only; set readOnly to false to change it`,
    );
}

function metadataBump(now: Date, principal: string | null, flow?: FlowRow): SetValues<'flows'> {
  return {
    metadata_updated: now,
    metadata_version: randomUUID(),
    updated_by: principal ?? flow?.updated_by ?? null,
  };
}

/**
 * Replaces the collection of `flowId`; members must be registered flows. Members that join or leave get
 * a new `collected_by` (and `flows/updated`); sources whose inferred collections change get
 * `sources/updated`.
 */
async function replaceCollection(
  tx: Transaction,
  now: Date,
  principal: string | null,
  flowId: string,
  sourceId: string,
  items: readonly CollectionItem[],
): Promise<void> {
  const old = await tx.lookupMany('flow_collection_items', 'collection_id', [flowId]);
  const before = new Set(old[0]!.map((i) => i.member_id));
  const after = new Set(items.map((i) => i.id));
  const members = await tx.lookup('flows', 'id', [...after]);
  const missing = [...after].filter((_, i) => members[i] === null);
  if (missing.length)
    throw new DomainError(
      'UNKNOWN_COLLECTION_MEMBER',
      `flowCollection: no flow ${missing.join(', ')} in the store`,
    );
  const formerMembers = (await tx.lookup('flows', 'id', [...before])).filter((f) => f !== null);
  const sources = [...new Set([sourceId, ...[...members, ...formerMembers].map((f) => f!.source_id)])];
  const inferredBefore = await inferredCollections(tx, sources);

  await tx.delete('flow_collection_items', eq('collection_id', flowId));
  await tx.insert(
    'flow_collection_items',
    items.map((item, position) => ({
      collection_id: flowId,
      position,
      member_id: item.id,
      role: item.role,
      container_mapping: item.container_mapping,
    })),
  );
  const moved = [...new Set([...before, ...after])].filter((id) => before.has(id) !== after.has(id));
  for (const memberId of moved) {
    const [member] = await tx.lookup('flows', 'id', [memberId]);
    if (!member) continue;
    await tx.update('flows', eq('id', memberId), metadataBump(now, principal, member));
    await emitFlow(tx, now, 'flows/updated', memberId);
  }
  await emitChangedSources(tx, now, sources, inferredBefore);
}

export interface PutFlowOutcome {
  readonly created: boolean;
  readonly flow: FlowRow;
}

export async function putFlow(
  repository: MediaRepository,
  id: string,
  input: FlowInput,
  principal: string | null,
): Promise<PutFlowOutcome> {
  const flowId = checkId(id);
  const { fields, collection } = flowFields(input, flowId);
  const attempt = () =>
    write(repository, async (tx) => {
      const now = repository.now();
      const [existing] = await tx.lookup('flows', 'id', [flowId]);
      if (existing) {
        assertWritable(existing);
        for (const [column, name] of [
          ['source_id', 'sourceId'],
          ['format', 'format'],
        ] as const)
          if (existing[column] !== fields[column])
            throw new DomainError(
              'IMMUTABLE_PROPERTY',
              `${name} of flow ${flowId} cannot change (${existing[column]} → ${fields[column]}); create a new flow instead`,
            );
      } else {
        const pending = await tx.count(
          'flow_delete_requests',
          and(eq('flow_id', flowId), eq('delete_flow', true), isIn('status', ['created', 'started'])),
        );
        if (pending)
          throw new DomainError(
            'DELETION_IN_PROGRESS',
            `flow ${flowId} is still being deleted; retry when it is done`,
          );
      }
      await ensureSource(tx, now, fields.source_id, fields.format, principal);
      const row = {
        id: flowId,
        ...fields,
        created_by: fields.created_by ?? existing?.created_by ?? principal,
        ...metadataBump(now, fields.updated_by ?? principal, existing ?? undefined),
        created: existing?.created ?? now,
        segments_updated: existing?.segments_updated ?? null,
        timerange: existing?.timerange ?? EMPTY,
        flow_collection_set: collection !== null,
      } as InsertRow<'flows'>;
      if (existing) await tx.update('flows', eq('id', flowId), row);
      else await tx.insert('flows', [row]);
      await replaceCollection(tx, now, principal, flowId, fields.source_id, collection ?? []);
      await emitFlow(tx, now, existing ? 'flows/updated' : 'flows/created', flowId);
      // The segment totals are the database's (migration 11): what the row held, or none yet.
      const flow: FlowRow = {
        ...row,
        segment_count: existing?.segment_count ?? 0n,
        last_segment_end: existing?.last_segment_end ?? null,
      } as FlowRow;
      return { created: !existing, flow };
    });
  try {
    return await attempt();
  } catch (e) {
    // Two creators of the same new flow: the loser retries and replaces what the winner created.
    if (
      e instanceof DomainError &&
      e.originalError instanceof ExecutorError &&
      e.originalError.code === 'DUPLICATE_KEY'
    )
      return attempt();
    throw e;
  }
}

/** A metadata change to one flow: checks, applies `change`, bumps the version, emits `flows/updated`. */
async function updateFlow(
  repository: MediaRepository,
  id: string,
  principal: string | null,
  options: { allowReadOnly?: boolean },
  change: (flow: FlowRow, tx: Transaction, now: Date) => Promise<SetValues<'flows'>> | SetValues<'flows'>,
): Promise<FlowRow> {
  const flowId = checkId(id);
  return write(repository, async (tx) => {
    const flow = await loadFlow(tx, flowId);
    if (!options.allowReadOnly) assertWritable(flow);
    const now = repository.now();
    const set = { ...(await change(flow, tx, now)), ...metadataBump(now, principal, flow) };
    await tx.update('flows', eq('id', flowId), set);
    await emitFlow(tx, now, 'flows/updated', flowId);
    return { ...flow, ...set };
  });
}

export const setFlowLabel = (
  repository: MediaRepository,
  id: string,
  label: string | null,
  principal: string | null,
) => {
  const value = label === null ? null : checkLabel(label);
  return updateFlow(repository, id, principal, {}, () => ({ label: value }));
};

export const setFlowDescription = (
  repository: MediaRepository,
  id: string,
  text: string | null,
  principal: string | null,
) => {
  const value = text === null ? null : checkDescription(text);
  return updateFlow(repository, id, principal, {}, () => ({ description: value }));
};

export const setFlowTag = (
  repository: MediaRepository,
  id: string,
  name: string,
  value: string | null,
  principal: string | null,
) => {
  const tagName = checkTagName(name);
  const tagValue = value === null ? null : checkTagValue(value);
  return updateFlow(repository, id, principal, {}, (flow) => ({
    tags: withTag(flow.tags, tagName, tagValue),
  }));
};

/** Never blocked by read_only: it is how a read-only flow is unlocked (7.0 documents no 403 here). */
export const setFlowReadOnly = (
  repository: MediaRepository,
  id: string,
  readOnly: boolean,
  principal: string | null,
) => updateFlow(repository, id, principal, { allowReadOnly: true }, () => ({ read_only: readOnly }));

export const setFlowBitRate = (
  repository: MediaRepository,
  id: string,
  kind: BitRateKind,
  value: number | null,
  principal: string | null,
) => {
  const rate = checkInteger(value, kind === 'AVERAGE' ? 'avgBitRate' : 'maxBitRate', 0);
  return updateFlow(repository, id, principal, {}, () =>
    kind === 'AVERAGE' ? { avg_bit_rate: rate } : { max_bit_rate: rate },
  );
};

export const setFlowCollection = (
  repository: MediaRepository,
  id: string,
  items: readonly FlowCollectionItemInput[] | null,
  principal: string | null,
) => {
  const flowId = checkId(id);
  // Null unsets the property (REST DELETE); `[]` sets it to an empty collection (REST PUT []).
  const collection = items === null ? [] : collectionItems(items, flowId);
  return updateFlow(repository, flowId, principal, {}, async (flow, tx, now) => {
    await replaceCollection(tx, now, principal, flowId, flow.source_id, collection);
    return { flow_collection_set: items !== null };
  });
};
