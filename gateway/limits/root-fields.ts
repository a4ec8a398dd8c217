import type { ValidationRule } from 'graphql';
import { limitError, operationLabel } from './errors.js';
import { measurer } from './measure.js';

/**
 * Rejects operations with more than `maxRootFields` root fields (TOO_MANY_ROOT_FIELDS), counting those
 * reached through fragments. Root fields are where the gateway fans out (each query root field is its own
 * subgraph fetch; each mutation root field is its own transaction and event, run one after another), so
 * this bounds fan-out and writes per request even where aliases deeper down are allowed more generously.
 */
export function maxRootFieldsRule(maxRootFields: number): ValidationRule {
  return (context) => {
    const rootFieldsOf = measurer(context, {
      field: () => 1,
      combine: (a, b) => a + b,
      descendIntoFields: false,
      ceiling: maxRootFields + 1,
    });
    return {
      OperationDefinition(node) {
        if (rootFieldsOf(node.selectionSet) > maxRootFields) {
          const message = `${operationLabel(node)} has more than ${maxRootFields} root fields; the maximum is ${maxRootFields}.`;
          context.reportError(limitError('TOO_MANY_ROOT_FIELDS', message, node, maxRootFields));
        }
        return false;
      },
      FragmentDefinition: () => false,
    };
  };
}
