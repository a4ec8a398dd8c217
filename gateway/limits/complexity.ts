import type { ValidationRule } from 'graphql';
import { limitError, operationLabel } from './errors.js';
import { measurer } from './measure.js';

/**
 * The cost cap: rejects operations selecting more than `maxFields` fields once every fragment spread is
 * expanded (QUERY_TOO_COMPLEX). A fragment spread n times counts n times, so fragment bombs are caught;
 * the count saturates just past the cap and fragments are measured once, so catching them is cheap.
 */
export function maxFieldsRule(maxFields: number): ValidationRule {
  return (context) => {
    const fieldsOf = measurer(context, {
      field: (_node, children) => 1 + children,
      combine: (a, b) => a + b,
      descendIntoFields: true,
      ceiling: maxFields + 1,
    });
    return {
      OperationDefinition(node) {
        if (fieldsOf(node.selectionSet) > maxFields) {
          const message =
            `${operationLabel(node)} selects more than ${maxFields} fields once fragments are expanded ` +
            `(each spread counts); the maximum is ${maxFields}.`;
          context.reportError(limitError('QUERY_TOO_COMPLEX', message, node, maxFields));
        }
        return false;
      },
      FragmentDefinition: () => false,
    };
  };
}
