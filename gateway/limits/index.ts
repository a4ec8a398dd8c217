import type { ValidationRule } from 'graphql';
import { maxAliasesRule } from './aliases.js';
import { maxFieldsRule } from './complexity.js';
import { maxDepthRule } from './depth.js';
import { maxRootFieldsRule } from './root-fields.js';
import { maxListDepthRule } from './list-depth.js';
import { finiteNumbersRule } from './finite-numbers.js';
import { fragmentLimitsRule } from './fragments.js';

export { LIMIT_ERROR_CODES } from './errors.js';
export { estimatedObjects, MAX_RESULT_OBJECTS, resultTooLarge } from './result-size.js';
export type { LimitErrorCode } from './errors.js';
export { DEFAULT_FRAGMENT_LIMITS, fragmentLimitsRule, fragmentShapeError } from './fragments.js';
export type { FragmentLimits } from './fragments.js';
export { maxAliasesRule, maxDepthRule, maxFieldsRule, maxListDepthRule, maxRootFieldsRule };

/**
 * The largest GraphQL request body (HTTP POST) the gateway reads, 1 MiB. Enforced by the HTTP layer
 * before parsing; it also bounds the work of parsing and of these rules.
 */
export const MAX_GRAPHQL_BODY_BYTES = 1_048_576;

/** Tokens one GraphQL document may have: far above any real query (introspection is ~1,000). */
export const MAX_GRAPHQL_TOKENS = 20_000;

/** Per-operation limits. Each is a positive integer, or Infinity to switch that limit off. */
export interface GraphQLLimits {
  /** Deepest field nesting; `{ a { b } }` has depth 2. The standard introspection query has depth 15. */
  maxDepth: number;
  /** Aliases, counted once per fragment spread. */
  maxAliases: number;
  /** Field selections once every fragment spread is expanded: the cost cap. */
  maxFields: number;
  /** Root fields (query fetches or mutations), through fragments. */
  maxRootFields: number;
  /** Nesting of list literals in argument values; `[[1]]` has depth 2 (why: list-depth.ts). */
  maxListDepth: number;
}

export const DEFAULT_GRAPHQL_LIMITS: Readonly<GraphQLLimits> = Object.freeze({
  maxDepth: 15,
  maxAliases: 30,
  maxFields: 2000,
  maxRootFields: 20,
  maxListDepth: 6,
});

const RULES: { readonly [K in keyof GraphQLLimits]: (limit: number) => ValidationRule } = {
  maxDepth: maxDepthRule,
  maxAliases: maxAliasesRule,
  maxFields: maxFieldsRule,
  maxRootFields: maxRootFieldsRule,
  maxListDepth: maxListDepthRule,
};

/**
 * The validation rules for Apollo Server's `validationRules`; unset limits take the defaults. Throws a
 * RangeError for a limit that is not a positive integer (or Infinity), so bad config fails at start.
 */
export function limitRules(limits: Partial<GraphQLLimits> = {}): ValidationRule[] {
  const rules: ValidationRule[] = [];
  for (const key of Object.keys(RULES) as (keyof GraphQLLimits)[]) {
    const limit = limits[key] ?? DEFAULT_GRAPHQL_LIMITS[key];
    if (limit === Number.POSITIVE_INFINITY) continue;
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new RangeError(`GraphQL limit ${key} must be a positive integer or Infinity, not ${limit}`);
    }
    rules.push(RULES[key](limit));
  }
  return rules;
}

/**
 * The rules the gateway adds to graphql-js's own, on HTTP and on graphql-ws alike: the limits, the
 * fragment bounds (also checked before validation by every transport: fragments.ts), and number literals
 * a double can hold (finite-numbers.ts).
 */
export function gatewayValidationRules(): ValidationRule[] {
  return [...limitRules(), fragmentLimitsRule, finiteNumbersRule];
}
