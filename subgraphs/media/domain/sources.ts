import type { Row, SetValues, Transaction } from '../../../lib/executor/index.js';
import { eq } from '../../../lib/executor/index.js';
import { DomainError, notFound } from '../errors.js';
import { inferSourceCollections, sameInference } from './collections.js';
import type { InferredSourceCollection } from './collections.js';
import { emit, emitSource } from './events.js';
import type { MediaRepository } from './repository.js';
import { collectionReader, write } from './repository.js';
import { validateTags } from '../../../lib/tams/index.js';
import { check, checkDescription, checkId, checkLabel, checkTagName, checkTagValue } from './validation.js';

/**
 * Sources: created with their first flow, removed with their last (ADR0018); only label, description
 * and tags are writable (7.0 has no source 403: sources have no read_only).
 */

/** The flow's source, created (with its `sources/created` event) when it does not exist yet. */
export async function ensureSource(
  tx: Transaction,
  now: Date,
  sourceId: string,
  formatUrn: string,
  principal: string | null,
): Promise<void> {
  const [source] = await tx.lookup('sources', 'id', [sourceId]);
  if (source) {
    if (source.format !== formatUrn)
      throw new DomainError(
        'SOURCE_FORMAT_MISMATCH',
        `source ${sourceId} has format ${source.format}; a flow of format ${formatUrn} cannot belong to it`,
      );
    return;
  }
  await tx.insert('sources', [
    {
      id: sourceId,
      format: formatUrn,
      created: now,
      updated: now,
      created_by: principal,
      updated_by: principal,
    },
  ]);
  await emitSource(tx, now, 'sources/created', sourceId);
}

/** Removes the source when no flow refers to it any more (with `sources/deleted`). */
export async function removeSourceIfUnused(tx: Transaction, now: Date, sourceId: string): Promise<boolean> {
  if ((await tx.count('flows', eq('source_id', sourceId))) > 0) return false;
  if ((await tx.delete('sources', eq('id', sourceId))) === 0) return false;
  await emit(tx, now, 'sources/deleted', { sourceId }, { source_id: sourceId });
  return true;
}

/** Inferred collections of sources, to compare before and after a collection change. */
export function inferredCollections(
  tx: Transaction,
  sourceIds: readonly string[],
): Promise<InferredSourceCollection[]> {
  return inferSourceCollections(collectionReader(tx), sourceIds);
}

/** Emits `sources/updated` for each source whose inferred collections changed. */
export async function emitChangedSources(
  tx: Transaction,
  now: Date,
  sourceIds: readonly string[],
  before: readonly InferredSourceCollection[],
): Promise<void> {
  const after = await inferredCollections(tx, sourceIds);
  for (const [i, id] of sourceIds.entries()) {
    if (sameInference(before[i]!, after[i]!)) continue;
    if ((await tx.lookup('sources', 'id', [id]))[0]) await emitSource(tx, now, 'sources/updated', id);
  }
}

async function updateSource(
  repository: MediaRepository,
  id: string,
  principal: string | null,
  change: (source: Row<'sources'>) => SetValues<'sources'>,
): Promise<Row<'sources'>> {
  const sourceId = checkId(id);
  return write(repository, async (tx) => {
    const [source] = await tx.lookup('sources', 'id', [sourceId]);
    if (!source) throw notFound(`source ${sourceId}`);
    const now = repository.now();
    const set = { ...change(source), updated: now, updated_by: principal ?? source.updated_by };
    await tx.update('sources', eq('id', sourceId), set);
    await emitSource(tx, now, 'sources/updated', sourceId);
    return { ...source, ...set };
  });
}

export function setSourceLabel(
  repository: MediaRepository,
  id: string,
  label: string | null,
  principal: string | null,
) {
  const value = label === null ? null : checkLabel(label);
  return updateSource(repository, id, principal, () => ({ label: value }));
}

export function setSourceDescription(
  repository: MediaRepository,
  id: string,
  description: string | null,
  principal: string | null,
) {
  const value = description === null ? null : checkDescription(description);
  return updateSource(repository, id, principal, () => ({ description: value }));
}

export function setSourceTag(
  repository: MediaRepository,
  id: string,
  name: string,
  value: string | null,
  principal: string | null,
) {
  const tagName = checkTagName(name);
  const tagValue = value === null ? null : checkTagValue(value);
  return updateSource(repository, id, principal, (source) => ({
    tags: withTag(source.tags, tagName, tagValue),
  }));
}

/**
 * A copy of `tags` with one tag set or (value null) removed; removing a missing tag is a 404. The tag
 * endpoints work on entries of the map, not on the `tags` property: setting a tag on a flow or source
 * that has none makes the map, and removing the last one leaves it `{}` (only a full PUT of a flow
 * unsets the property).
 */
export function withTag(
  tags: Readonly<Record<string, string>> | null,
  name: string,
  value: string | null,
): Record<string, string> {
  const next = { ...tags };
  // defineProperty, not `next[name] = value`: a tag named "__proto__" would set the prototype instead.
  if (value !== null)
    Object.defineProperty(next, name, { value, enumerable: true, writable: true, configurable: true });
  else if (Object.prototype.hasOwnProperty.call(next, name)) delete next[name];
  else throw notFound(`tag ${JSON.stringify(name)}`);
  return { ...check(validateTags(next), 'tags') };
}
