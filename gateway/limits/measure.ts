import { Kind } from 'graphql';
import type { FieldNode, SelectionNode, SelectionSetNode, ValidationContext } from 'graphql';

/**
 * A size of a selection set with every fragment spread expanded where it is spread (so a fragment spread
 * n times counts n times), as each limit rule needs it.
 */
export interface Measure {
  /** The value of a field, given the combined value of its sub-selections (0 for a leaf). */
  field(node: FieldNode, children: number): number;
  /** Combines the values of sibling selections (sum or max). */
  combine(a: number, b: number): number;
  /** Whether fields' own selection sets count (false: only the top level, through fragments). */
  readonly descendIntoFields: boolean;
  /** Values saturate here and counting stops there: the rule only needs to know the limit was passed. */
  readonly ceiling: number;
}

interface Frame {
  readonly selections: readonly SelectionNode[];
  next: number;
  value: number;
  /** The field whose selection set this is; undefined for the root and for inline fragments. */
  readonly field: FieldNode | undefined;
}

/**
 * Measures one selection set, given the value of each fragment. Iterative, so a deeply nested document
 * cannot overflow the stack here, and it stops as soon as a value reaches the ceiling.
 */
function measureSelectionSet(
  set: SelectionSetNode,
  measure: Measure,
  fragmentValue: (name: string) => number,
): number {
  const clamp = (value: number) => Math.min(value, measure.ceiling);
  const stack: Frame[] = [{ selections: set.selections, next: 0, value: 0, field: undefined }];
  for (;;) {
    const frame = stack[stack.length - 1];
    if (frame === undefined) return 0; // unreachable: the root frame returns below
    const selection = frame.value >= measure.ceiling ? undefined : frame.selections[frame.next++];
    if (selection === undefined) {
      stack.pop();
      const value = frame.field ? clamp(measure.field(frame.field, frame.value)) : frame.value;
      const parent = stack[stack.length - 1];
      if (parent === undefined) return value;
      parent.value = clamp(measure.combine(parent.value, value));
      continue;
    }
    switch (selection.kind) {
      case Kind.FIELD:
        if (selection.selectionSet && measure.descendIntoFields) {
          stack.push({ selections: selection.selectionSet.selections, next: 0, value: 0, field: selection });
        } else {
          frame.value = clamp(measure.combine(frame.value, measure.field(selection, 0)));
        }
        break;
      case Kind.INLINE_FRAGMENT:
        stack.push({ selections: selection.selectionSet.selections, next: 0, value: 0, field: undefined });
        break;
      case Kind.FRAGMENT_SPREAD:
        frame.value = clamp(measure.combine(frame.value, fragmentValue(selection.name.value)));
        break;
    }
  }
}

/**
 * A measuring function for one validation: each fragment is measured once (memoised), in dependency order
 * by an iterative depth-first walk, so a fragment bomb (each fragment spreading the next twice) costs time
 * linear in the document, not in its expansion. Unknown fragments and fragments in a cycle count as empty:
 * the specified rules (KnownFragmentNames, NoFragmentCycles) reject those documents anyway.
 */
export function measurer(context: ValidationContext, measure: Measure): (set: SelectionSetNode) => number {
  const memo = new Map<string, number>();
  const known = (name: string) => memo.get(name) ?? 0;
  const spreadsOf = (name: string) => {
    const fragment = context.getFragment(name);
    return fragment ? context.getFragmentSpreads(fragment.selectionSet) : [];
  };

  const fragmentValue = (root: string): number => {
    if (memo.has(root)) return known(root);
    const stack = [{ name: root, spreads: spreadsOf(root), next: 0 }];
    const active = new Set([root]);
    for (let top = stack[0]; top !== undefined; top = stack[stack.length - 1]) {
      const spread = top.spreads[top.next++];
      if (spread !== undefined) {
        const name = spread.name.value;
        if (!memo.has(name) && !active.has(name)) {
          active.add(name);
          stack.push({ name, spreads: spreadsOf(name), next: 0 });
        }
        continue;
      }
      stack.pop();
      active.delete(top.name);
      const fragment = context.getFragment(top.name);
      memo.set(top.name, fragment ? measureSelectionSet(fragment.selectionSet, measure, known) : 0);
    }
    return known(root);
  };

  return (set) => measureSelectionSet(set, measure, fragmentValue);
}
