import type { TableName } from '../../../lib/executor/index.js';

/**
 * The names of what cached media values depend on (lib/cache: a write bumps them after its commit,
 * before its acknowledgement). Every cached value depends on its entity's own name and on its kind's
 * wildcard, which a write bumps when it cannot say which rows it changed; so a missed row can cost a
 * wider invalidation, never a stale read.
 */
export type EntityKind = 'flow' | 'source' | 'object';

export const dependencyOf = (kind: EntityKind, id: string): string => `${kind}:${id}`;
export const wildcardOf = (kind: EntityKind): string => `${kind}:*`;

/** What a cached value of `kind` and `id` is stamped with. */
export const dependenciesOf = (kind: EntityKind, id: string): string[] => [
  dependencyOf(kind, id),
  wildcardOf(kind),
];

/**
 * Which columns of a written table name which entity: a write to a row of the table touches the
 * entities its values (or its predicate's equalities) name. Tables not listed feed no cached value.
 * Segments and object references are listed although their rows are not cached: a flow's segment
 * count and timerange (and analytics answers) change with them, and so does an object's list of
 * referencing flows.
 */
export const ENTITY_COLUMNS: Partial<Record<TableName, readonly (readonly [string, EntityKind])[]>> = {
  flows: [['id', 'flow']],
  sources: [['id', 'source']],
  objects: [['id', 'object']],
  segments: [['flow_id', 'flow']],
  flow_object_refs: [
    ['flow_id', 'flow'],
    ['object_id', 'object'],
  ],
  flow_collection_items: [
    ['collection_id', 'flow'],
    ['member_id', 'flow'],
  ],
};

/**
 * The dependencies an outbox event names (its flow and source): what the event bus's follower bumps
 * before publishing, as a backstop for a writer whose own bump after commit did not reach Redis (a
 * replica cut off from it). Objects are not named by events; their entries rely on the writer's bump.
 */
export function eventDependencies(
  events: readonly { readonly flow_id: string | null; readonly source_id: string | null }[],
): string[] {
  const deps = new Set<string>();
  for (const e of events) {
    if (e.flow_id) deps.add(dependencyOf('flow', e.flow_id));
    if (e.source_id) deps.add(dependencyOf('source', e.source_id));
  }
  return [...deps];
}
