import { GraphQLError } from 'graphql';
import type { FloatValueNode, IntValueNode, ValidationRule } from 'graphql';

/**
 * Refuses number literals too large for a double (`1e400`, an Int of 400 digits) with BAD_USER_INPUT.
 *
 * Why: graphql-js checks Int and Float arguments itself, but a literal given to a custom scalar
 * (TimeRange, JSON) reaches the gateway's query planner as Infinity, which it cannot print into the
 * subgraph query and throws on: a 500 for the client's mistake.
 */
export const finiteNumbersRule: ValidationRule = (context) => {
  const check = (node: IntValueNode | FloatValueNode) => {
    if (!Number.isFinite(Number(node.value)))
      context.reportError(
        new GraphQLError(
          `The number ${node.value.slice(0, 40)}${node.value.length > 40 ? '…' : ''} is too large.`,
          {
            nodes: [node],
            extensions: { code: 'BAD_USER_INPUT' },
          },
        ),
      );
  };
  return { IntValue: check, FloatValue: check };
};
