import type { Predicate } from '../../../lib/executor/index.js';
import { and, eq, isNull, not, overlaps, tagEquals, tagExists } from '../../../lib/executor/index.js';
import { isNonEmpty } from '../../../lib/tams/index.js';
import type { FlowFilter, SourceFilter, TagExistsInput, TagInput } from '../__generated__/resolvers-types.js';
import { FORMAT_URN } from '../domain/content-format.js';
import { checkId, checkInteger } from '../domain/validation.js';

/** Listing filters as executor predicates; all ANDed (DIGEST §5). */

function tagPredicates(
  tags: readonly TagInput[] | null | undefined,
  exists: readonly TagExistsInput[] | null | undefined,
) {
  return [
    ...(tags ?? []).map((t) => tagEquals('tags', t.name, t.value)),
    ...(exists ?? []).map((t) => (t.exists ? tagExists('tags', t.name) : not(tagExists('tags', t.name)))),
  ];
}

export function sourcePredicate(filter: SourceFilter | null | undefined): Predicate {
  const parts: Predicate[] = [];
  if (filter?.label != null) parts.push(eq('label', filter.label));
  if (filter?.format != null) parts.push(eq('format', FORMAT_URN[filter.format]));
  parts.push(...tagPredicates(filter?.tags, filter?.tagExists));
  return and(...parts);
}

export function flowPredicate(filter: FlowFilter | null | undefined): Predicate {
  const parts: Predicate[] = [];
  if (filter?.sourceId != null) parts.push(eq('source_id', checkId(filter.sourceId, 'sourceId')));
  const r = filter?.timerange;
  if (r != null) {
    // `()` asks for flows without content; `_` (the 7.0 default) is no filter at all, so empty flows stay.
    if (!isNonEmpty(r)) parts.push(isNull('timerange'));
    else if (r.start !== null || r.end !== null) parts.push(overlaps('timerange', r));
  }
  if (filter?.format != null) parts.push(eq('format', FORMAT_URN[filter.format]));
  if (filter?.codec != null) parts.push(eq('codec', filter.codec));
  if (filter?.label != null) parts.push(eq('label', filter.label));
  if (filter?.frameWidth != null)
    parts.push(eq('frame_width', checkInteger(filter.frameWidth, 'frameWidth', 0)!));
  if (filter?.frameHeight != null)
    parts.push(eq('frame_height', checkInteger(filter.frameHeight, 'frameHeight', 0)!));
  parts.push(...tagPredicates(filter?.tags, filter?.tagExists));
  return and(...parts);
}
