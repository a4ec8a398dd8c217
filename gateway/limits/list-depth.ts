import { GraphQLError } from 'graphql';
import type { ASTNode, ValidationRule } from 'graphql';

/**
 * Rejects documents whose argument values (literals in arguments, directives and variable defaults) nest
 * lists more than `maxListDepth` levels (LIST_TOO_DEEP): `[[1]]` has a list depth of 2, `{ a: [1] }` 1.
 *
 * Why: the gateway's query planner visits every element of a list literal twice (@apollo/federation-
 * internals 2.14 `collectVariablesInValue` walks an array both as an array and as an object), so its work
 * doubles with each list level: a 300-byte `[[[...]]]` 100 levels deep keeps the gateway's only thread
 * busy for ever. Six levels bound the walk to 64 visits per element, about what parsing the document
 * costs anyway. Input objects do not multiply the work and nest freely; deep JSON belongs in variables,
 * which that walk never enters.
 *
 * graphql-js's visitor is iterative, so no nesting overflows the stack here; the error is reported once.
 */
export function maxListDepthRule(maxListDepth: number): ValidationRule {
  return (context) => {
    let depth = 0;
    let reported = false;
    return {
      ListValue: {
        enter(node: ASTNode) {
          if (depth < maxListDepth) {
            depth++;
            return undefined;
          }
          if (!reported) {
            reported = true;
            context.reportError(
              new GraphQLError(`An argument value nests lists more than ${maxListDepth} levels deep.`, {
                nodes: [node],
                extensions: { code: 'LIST_TOO_DEEP', limit: maxListDepth },
              }),
            );
          }
          // Skipped with its contents; graphql-js then calls no `leave` for it, so `depth` stays right.
          return false;
        },
        leave() {
          depth--;
        },
      },
    };
  };
}
