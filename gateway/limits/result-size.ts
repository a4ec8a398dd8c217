import type { DocumentNode, FieldNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { GraphQLError, isObjectType, Kind, TypeInfo, ValidationContext, visit } from 'graphql';
import { DEFAULT_LIMITS } from '../../subgraphs/media/domain/media-limits.js';
import { operationLabel } from './errors.js';
import { measurer } from './measure.js';

/**
 * The most objects an operation may ask for, estimated from its page sizes: 200,000. A REST listing of
 * 1,000 flows with every field is about 35,000; two nested pages of 1,000 (flows of the sources of 1,000
 * flows) are over 2,000,000 and would take the process's whole heap.
 */
export const MAX_RESULT_OBJECTS = 200_000;

/** The page sizes the subgraphs apply. */
const PAGE_SIZES = { default: DEFAULT_LIMITS.defaultPageSize, max: DEFAULT_LIMITS.maxPageSize } as const;

const pagedFieldNames = new WeakMap<GraphQLSchema, ReadonlySet<string>>();

/** Names of fields that page with a `limit` argument, in any type of the schema. */
function pagedFields(schema: GraphQLSchema): ReadonlySet<string> {
  let names = pagedFieldNames.get(schema);
  if (!names) {
    const found = new Set<string>();
    for (const type of Object.values(schema.getTypeMap()))
      if (isObjectType(type))
        for (const field of Object.values(type.getFields()))
          if (field.args.some((a) => a.name === 'limit')) found.add(field.name);
    names = found;
    pagedFieldNames.set(schema, names);
  }
  return names;
}

const measuringContexts = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, ValidationContext>>();

/**
 * The context the measurer reads fragments and their spreads from, made once per document: it caches
 * both, and nothing else of it is used, so a document run many times (the REST shim's, a cached client
 * query) is not set up again on every run.
 */
function measuringContext(schema: GraphQLSchema, document: DocumentNode): ValidationContext {
  let byDocument = measuringContexts.get(schema);
  if (!byDocument) measuringContexts.set(schema, (byDocument = new WeakMap()));
  let context = byDocument.get(document);
  if (!context) {
    context = new ValidationContext(schema, document, new TypeInfo(schema), () => undefined);
    byDocument.set(document, context);
  }
  return context;
}

/**
 * An upper estimate of the objects `operation` returns: each field counts 1, and a paged field
 * multiplies its selection by its page size (its `limit`, from a literal or the variables; the default
 * page size when absent; clamped to the maximum). Fragments are expanded where spread. Validation cannot
 * do this (it does not see variables), so it runs once the operation and its variables are known.
 */
export function estimatedObjects(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | null | undefined,
  ceiling = MAX_RESULT_OBJECTS + 1,
): number {
  // The estimate depends on the variables only through the values of those that are some `limit`:
  // an operation run again with the same page sizes (every REST read) is not walked again.
  let bySchema = estimates.get(schema);
  if (!bySchema) estimates.set(schema, (bySchema = new WeakMap()));
  let memo = bySchema.get(operation);
  if (!memo)
    bySchema.set(operation, (memo = { limitVariables: limitVariables(document), values: new Map() }));
  let key = String(ceiling);
  for (const name of memo.limitVariables) {
    const value = variables?.[name];
    // Not a scalar (hostile input: `{"toString": {...}}` has no string form): no key, no memo; the
    // walk counts it as the default page size and coercion refuses it afterwards.
    if (typeof value === 'object' && value !== null)
      return walkEstimate(schema, document, operation, variables, ceiling);
    key += `|${typeof value}:${String(value)}`;
  }
  let estimate = memo.values.get(key);
  if (estimate === undefined) {
    estimate = walkEstimate(schema, document, operation, variables, ceiling);
    if (memo.values.size < MAX_ESTIMATES_PER_OPERATION) memo.values.set(key, estimate);
  }
  return estimate;
}

/** Estimates kept per operation (by the values of its limit variables): a few page sizes recur. */
const MAX_ESTIMATES_PER_OPERATION = 64;

const estimates = new WeakMap<
  GraphQLSchema,
  WeakMap<
    OperationDefinitionNode,
    { readonly limitVariables: readonly string[]; readonly values: Map<string, number> }
  >
>();

/**
 * The variables passed to a `limit` argument anywhere in the document (every fragment included, spread
 * or not): conservative, so two runs with equal values for these get the same estimate.
 */
function limitVariables(document: DocumentNode): readonly string[] {
  const names = new Set<string>();
  visit(document, {
    Argument(node) {
      if (node.name.value === 'limit' && node.value.kind === Kind.VARIABLE) names.add(node.value.name.value);
    },
  });
  return [...names].sort();
}

function walkEstimate(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | null | undefined,
  ceiling: number,
): number {
  const paged = pagedFields(schema);
  const pageSize = (node: FieldNode): number => {
    if (!paged.has(node.name.value)) return 1;
    const argument = node.arguments?.find((a) => a.name.value === 'limit')?.value;
    let value: unknown = undefined;
    if (argument?.kind === Kind.INT) value = Number(argument.value);
    else if (argument?.kind === Kind.VARIABLE) {
      const name = argument.name.value;
      value =
        variables?.[name] ??
        (() => {
          const fallback = operation.variableDefinitions?.find(
            (d) => d.variable.name.value === name,
          )?.defaultValue;
          return fallback?.kind === Kind.INT ? Number(fallback.value) : undefined;
        })();
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) return PAGE_SIZES.default;
    return Math.min(Math.max(Math.trunc(value), 1), PAGE_SIZES.max);
  };
  const context = measuringContext(schema, document);
  const measure = measurer(context, {
    field: (node, children) => pageSize(node) * (1 + children),
    combine: (a, b) => a + b,
    descendIntoFields: true,
    ceiling,
  });
  return measure(operation.selectionSet);
}

/** The refusal of an operation estimated above `max` objects (400, QUERY_TOO_COMPLEX). */
export function resultTooLarge(operation: OperationDefinitionNode, max = MAX_RESULT_OBJECTS): GraphQLError {
  return new GraphQLError(
    `${operationLabel(operation)} may return more than ${max} objects (each page counts its limit, ` +
      `${PAGE_SIZES.default} when none is given); ask for smaller pages or fewer nested lists.`,
    { extensions: { code: 'QUERY_TOO_COMPLEX', limit: max, http: { status: 400 } } },
  );
}
