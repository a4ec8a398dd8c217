import type { Row } from '../../../lib/executor/index.js';

/**
 * Flow collections and what is inferred from them (7.0, ADR0012): a flow's `collected_by` is the flows
 * whose collection lists it; a source's `source_collection` and `collected_by` follow from its flows'
 * collections (if flow A collects flow B, source(A) collects source(B) with the same role).
 * Written over a small batched reader so resolvers (DataLoaders) and mutations (a transaction) share it.
 */
export interface CollectionReader {
  flows(ids: readonly string[]): Promise<(Row<'flows'> | null)[]>;
  flowsOfSources(sourceIds: readonly string[]): Promise<Row<'flows'>[][]>;
  itemsOfCollections(flowIds: readonly string[]): Promise<Row<'flow_collection_items'>[][]>;
  collectionsOfMembers(flowIds: readonly string[]): Promise<Row<'flow_collection_items'>[][]>;
}

export interface InferredSourceCollection {
  readonly sourceCollection: { id: string; role: string }[];
  readonly collectedBy: string[];
}

/** The collections that list each flow, as sorted, distinct flow ids. */
export async function flowCollectedBy(
  reader: CollectionReader,
  flowIds: readonly string[],
): Promise<string[][]> {
  const groups = await reader.collectionsOfMembers(flowIds);
  return groups.map((items) => [...new Set(items.map((i) => i.collection_id))].sort());
}

export async function inferSourceCollections(
  reader: CollectionReader,
  sourceIds: readonly string[],
): Promise<InferredSourceCollection[]> {
  const flowsBySource = await reader.flowsOfSources(sourceIds);
  const flowIds = flowsBySource.flat().map((f) => f.id);
  const [items, collectors] = await Promise.all([
    reader.itemsOfCollections(flowIds),
    reader.collectionsOfMembers(flowIds),
  ]);
  const itemsOf = new Map(flowIds.map((id, i) => [id, items[i]!]));
  const collectorsOf = new Map(flowIds.map((id, i) => [id, collectors[i]!]));
  const related = [
    ...new Set([...items.flat().map((i) => i.member_id), ...collectors.flat().map((i) => i.collection_id)]),
  ];
  const relatedFlows = await reader.flows(related);
  const sourceOf = new Map(relatedFlows.filter((f) => f !== null).map((f) => [f.id, f.source_id]));

  return sourceIds.map((sourceId, s) => {
    const own = flowsBySource[s]!;
    const collection = new Map<string, { id: string; role: string }>();
    const collectedBy = new Set<string>();
    for (const f of own) {
      for (const item of itemsOf.get(f.id) ?? []) {
        const member = sourceOf.get(item.member_id);
        if (member && member !== sourceId)
          collection.set(`${member}\u0000${item.role}`, { id: member, role: item.role });
      }
      for (const item of collectorsOf.get(f.id) ?? []) {
        const collector = sourceOf.get(item.collection_id);
        if (collector && collector !== sourceId) collectedBy.add(collector);
      }
    }
    return {
      sourceCollection: [...collection.values()].sort(
        (a, b) => a.id.localeCompare(b.id) || a.role.localeCompare(b.role),
      ),
      collectedBy: [...collectedBy].sort(),
    };
  });
}

export function sameInference(a: InferredSourceCollection, b: InferredSourceCollection): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
