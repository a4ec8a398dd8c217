import type { ValidationRule } from 'graphql';
import { limitError, operationLabel } from './errors.js';
import type { Measure } from './measure.js';
import { measurer } from './measure.js';

/** Nesting depth: `{ a { b } }` has depth 2. Fragments and inline fragments add no level of their own. */
const DEPTH: Measure = {
  field: (_node, children) => 1 + children,
  combine: Math.max,
  descendIntoFields: true,
  // Exact: depth does not multiply through fragments, so memoised measuring is already linear.
  ceiling: Number.POSITIVE_INFINITY,
};

/** Rejects operations nested deeper than `maxDepth` fields (QUERY_TOO_DEEP). */
export function maxDepthRule(maxDepth: number): ValidationRule {
  return (context) => {
    const depthOf = measurer(context, DEPTH);
    return {
      OperationDefinition(node) {
        const depth = depthOf(node.selectionSet);
        if (depth > maxDepth) {
          const message = `${operationLabel(node)} has a selection depth of ${depth}; the maximum is ${maxDepth}.`;
          context.reportError(limitError('QUERY_TOO_DEEP', message, node, maxDepth));
        }
        return false;
      },
      FragmentDefinition: () => false,
    };
  };
}
