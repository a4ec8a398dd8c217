import { coerceInputValue, isInputType } from 'graphql';
import type { GraphQLInputType } from 'graphql';
import { buildMediaSchema } from '../../subgraphs/media/schema.js';
import type { SegmentInput } from './__generated__/operations.js';

/**
 * Whether a segment of a bulk POST coerces to the media subgraph's SegmentInput, as the subgraph will
 * coerce it (its own scalars: TimeRange, Timestamp, Long). GraphQL coerces variables before it runs
 * anything and refuses the whole list for one bad item; 7.0 reports each failed segment on its own and
 * stores the others, so the shim asks the same question per item first. No rule is restated here: the
 * answer is the schema's.
 */

let segmentInputType: GraphQLInputType | undefined;

function segmentType(): GraphQLInputType {
  if (segmentInputType === undefined) {
    const type = buildMediaSchema().getType('SegmentInput');
    if (!isInputType(type)) throw new Error('the media schema has no SegmentInput input type');
    segmentInputType = type;
  }
  return segmentInputType;
}

/** snake_case, as the TAMS JSON names the property a GraphQL input field came from. */
const tamsName = (field: string | number) => String(field).replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Why `input` is not a SegmentInput, naming the TAMS property; undefined when it is one. */
export function coercionProblem(input: SegmentInput): string | undefined {
  let problem: string | undefined;
  coerceInputValue(input, segmentType(), (path, _value, error) => {
    problem ??= `${path.length ? path.map(tamsName).join('.') : 'segment'}: ${error.message}`;
  });
  return problem;
}
