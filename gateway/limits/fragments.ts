import { GraphQLError, Kind } from 'graphql';
import type {
  DocumentNode,
  FragmentDefinitionNode,
  OperationDefinitionNode,
  SelectionSetNode,
  ValidationRule,
} from 'graphql';
import { limitError, operationLabel } from './errors.js';

/**
 * Bounds on how a document uses fragments, checked before graphql-js validates it and before the query
 * planner sees it. Both of those do work that grows faster than the document with fragments: a chain
 * `fragment F0 { ...F1 } fragment F1 { ...F2 } ...` of 2,000 links (72 KB, inside the token cap) cost
 * about 0.8 s of CPU per request, most of it in the federation query planner expanding every fragment
 * into every fragment that spreads it (quadratic), and OverlappingFieldsCanBeMerged compares fragments
 * pairwise in validation. The field limits (complexity.ts) run inside that same validation, too late.
 *
 * So the operation pipeline checks the document's fragment shape first (`fragmentShapeError`, linear, no
 * schema needed), before validating it, and answers QUERY_TOO_COMPLEX at once, whatever the transport
 * (operations/validation.ts). The same check is also a validation rule, for any other validation.
 * The bounds are far above what clients write (the REST shim's documents use 5 inline fragments and
 * nesting 2; codegen'd clients a few dozen fragments).
 */
export interface FragmentLimits {
  /** Fragment definitions in one document. */
  readonly maxDefinitions: number;
  /** Fragments (named spreads and inline fragments) nested inside each other, along any path. */
  readonly maxNesting: number;
  /** Fragment spreads and inline fragments in one operation, each named fragment counted once per spread. */
  readonly maxSpreads: number;
}

export const DEFAULT_FRAGMENT_LIMITS: Readonly<FragmentLimits> = Object.freeze({
  maxDefinitions: 100,
  maxNesting: 10,
  maxSpreads: 500,
});

/** What one selection set contributes: how deep fragments nest in it, how many spreads it expands to. */
interface Shape {
  readonly nesting: number;
  readonly spreads: number;
}

const EMPTY: Shape = { nesting: 0, spreads: 0 };

/**
 * The shape of a selection set, given the shape of each named fragment. Iterative over the selection
 * tree (no recursion a deep document could overflow); values saturate at `ceiling`.
 */
function shapeOf(set: SelectionSetNode, fragmentShape: (name: string) => Shape, ceiling: number): Shape {
  let nesting = 0;
  let spreads = 0;
  const stack: { set: SelectionSetNode; depth: number }[] = [{ set, depth: 0 }];
  for (let item = stack.pop(); item !== undefined && spreads < ceiling; item = stack.pop()) {
    for (const selection of item.set.selections) {
      switch (selection.kind) {
        case Kind.FIELD:
          if (selection.selectionSet) stack.push({ set: selection.selectionSet, depth: item.depth });
          break;
        case Kind.INLINE_FRAGMENT:
          spreads++;
          nesting = Math.max(nesting, item.depth + 1);
          stack.push({ set: selection.selectionSet, depth: item.depth + 1 });
          break;
        case Kind.FRAGMENT_SPREAD: {
          const inner = fragmentShape(selection.name.value);
          spreads = Math.min(ceiling, spreads + 1 + inner.spreads);
          nesting = Math.max(nesting, item.depth + 1 + inner.nesting);
          break;
        }
      }
    }
  }
  return { nesting: Math.min(nesting, ceiling), spreads: Math.min(spreads, ceiling) };
}

/**
 * The first way `document` breaks `limits`, as a QUERY_TOO_COMPLEX error, or undefined. Linear in the
 * document: each fragment's shape is computed once (memoised), in dependency order by an iterative walk.
 * Unknown fragments and cycles count as empty; KnownFragmentNames and NoFragmentCycles reject those.
 */
export function fragmentShapeError(
  document: DocumentNode,
  limits: FragmentLimits = DEFAULT_FRAGMENT_LIMITS,
): GraphQLError | undefined {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.set(definition.name.value, definition);
      if (fragments.size > limits.maxDefinitions)
        return new GraphQLError(
          `The document defines more than ${limits.maxDefinitions} fragments; the maximum is ${limits.maxDefinitions}.`,
          { nodes: [definition], extensions: { code: 'QUERY_TOO_COMPLEX', limit: limits.maxDefinitions } },
        );
    } else if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
  }
  const ceiling = Math.max(limits.maxNesting, limits.maxSpreads) + 1;
  const fragmentShape = fragmentShapes(fragments, ceiling);
  for (const operation of operations) {
    const { nesting, spreads } = shapeOf(operation.selectionSet, fragmentShape, ceiling);
    if (nesting > limits.maxNesting)
      return limitError(
        'QUERY_TOO_COMPLEX',
        `${operationLabel(operation)} nests fragments (spreads and inline fragments) more than ` +
          `${limits.maxNesting} deep; the maximum is ${limits.maxNesting}.`,
        operation,
        limits.maxNesting,
      );
    if (spreads > limits.maxSpreads)
      return limitError(
        'QUERY_TOO_COMPLEX',
        `${operationLabel(operation)} uses more than ${limits.maxSpreads} fragment spreads and inline ` +
          `fragments once fragments are expanded (each spread counts); the maximum is ${limits.maxSpreads}.`,
        operation,
        limits.maxSpreads,
      );
  }
  return undefined;
}

/** The names a fragment spreads, anywhere in its selection (iteratively: no recursion to overflow). */
function spreadNames(fragment: FragmentDefinitionNode | undefined): string[] {
  const names: string[] = [];
  const stack: SelectionSetNode[] = fragment ? [fragment.selectionSet] : [];
  for (let set = stack.pop(); set !== undefined; set = stack.pop())
    for (const s of set.selections)
      if (s.kind === Kind.FRAGMENT_SPREAD) names.push(s.name.value);
      else if (s.selectionSet) stack.push(s.selectionSet);
  return names;
}

/** The shape of each named fragment, computed on first use and kept (values saturate at `ceiling`). */
function fragmentShapes(
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  ceiling: number,
): (name: string) => Shape {
  const memo = new Map<string, Shape>();
  const known = (name: string) => memo.get(name) ?? EMPTY;
  return (root) => {
    if (memo.has(root)) return known(root);
    // Depth-first over the spread graph, a fragment's shape computed after those it spreads.
    const stack = [{ name: root, spreads: spreadNames(fragments.get(root)), next: 0 }];
    const active = new Set([root]);
    for (let top = stack[0]; top !== undefined; top = stack[stack.length - 1]) {
      const name = top.spreads[top.next++];
      if (name !== undefined) {
        if (!memo.has(name) && !active.has(name) && fragments.has(name)) {
          active.add(name);
          stack.push({ name, spreads: spreadNames(fragments.get(name)), next: 0 });
        }
        continue;
      }
      stack.pop();
      active.delete(top.name);
      const fragment = fragments.get(top.name);
      memo.set(top.name, fragment ? shapeOf(fragment.selectionSet, known, ceiling) : EMPTY);
    }
    return known(root);
  };
}

/** The same bounds as a validation rule, for documents that reach a server without the pre-check. */
export const fragmentLimitsRule: ValidationRule = (context) => ({
  Document(node) {
    const error = fragmentShapeError(node);
    if (error) context.reportError(error);
    return false;
  },
});
