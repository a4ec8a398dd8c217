import type { ValidationRule } from 'graphql';
import { limitError, operationLabel } from './errors.js';
import { measurer } from './measure.js';

/**
 * Rejects operations with more than `maxAliases` aliases (TOO_MANY_ALIASES), counted after fragment
 * expansion: aliases are how one request asks for the same expensive field many times over.
 */
export function maxAliasesRule(maxAliases: number): ValidationRule {
  return (context) => {
    const aliasesOf = measurer(context, {
      field: (node, children) => (node.alias ? 1 : 0) + children,
      combine: (a, b) => a + b,
      descendIntoFields: true,
      ceiling: maxAliases + 1,
    });
    return {
      OperationDefinition(node) {
        if (aliasesOf(node.selectionSet) > maxAliases) {
          const message =
            `${operationLabel(node)} uses more than ${maxAliases} aliases (a fragment's aliases count once ` +
            `per spread); the maximum is ${maxAliases}.`;
          context.reportError(limitError('TOO_MANY_ALIASES', message, node, maxAliases));
        }
        return false;
      },
      FragmentDefinition: () => false,
    };
  };
}
