import type { Operation } from './spec.js';

/**
 * Which spec operations a conformance run exercised, and with which statuses. An operation counts as
 * covered once it answered a status it declares: a 404 from a router that does not know the path, or a
 * 500, exercises nothing.
 */

/**
 * The conformance suite fails unless every operation of 7.0 was covered. Kept as a switch (rather than
 * a skipped test) so the gap is visible in every run while the REST API is being written.
 */
export const REQUIRE_FULL_COVERAGE = true;

export class CoverageRecorder {
  private readonly seen = new Map<string, Map<number, number>>();
  private readonly undeclared = new Map<string, number>();
  private readonly outside = new Map<string, number>();

  constructor(readonly operations: readonly Operation[]) {}

  /** A response of a spec operation; `declared` says whether the status is one the operation lists. */
  record(operation: Operation, status: number, declared: boolean): void {
    if (!declared) {
      bump(this.undeclared, `${operation.key} ${status}`);
      return;
    }
    const statuses = this.seen.get(operation.key) ?? new Map<number, number>();
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    this.seen.set(operation.key, statuses);
  }

  /** A response to a request no operation describes (a method or path 7.0 lacks). */
  recordOutside(label: string, status: number): void {
    bump(this.outside, `${label} ${status}`);
  }

  get covered(): Operation[] {
    return this.operations.filter((o) => this.seen.has(o.key));
  }

  get uncovered(): Operation[] {
    return this.operations.filter((o) => !this.seen.has(o.key));
  }

  /** `GET /flows 400`-style entries for every declared status never observed. */
  get unobservedStatuses(): string[] {
    return this.operations.flatMap((o) =>
      [...o.responses.keys()].filter((s) => !this.seen.get(o.key)?.has(s)).map((s) => `${o.key} ${s}`),
    );
  }

  get summary(): string {
    return `conformance coverage: ${this.covered.length}/${this.operations.length} operations`;
  }

  report(): string {
    const declaredTotal = this.operations.reduce((n, o) => n + o.responses.size, 0);
    const unobserved = this.unobservedStatuses;
    const lines = [
      this.summary,
      `declared statuses observed: ${declaredTotal - unobserved.length}/${declaredTotal}`,
    ];
    const section = (title: string, entries: readonly string[]) => {
      if (entries.length === 0) return;
      lines.push(`${title} (${entries.length}):`, ...entries.map((e) => `  ${e}`));
    };
    section(
      'uncovered operations',
      this.uncovered.map((o) => o.key),
    );
    section('declared statuses never observed', unobserved);
    section(
      'undeclared statuses seen (DIGEST recommendations, not 7.0)',
      [...this.undeclared].map(([k, n]) => `${k} ×${n}`),
    );
    section(
      'requests outside the 7.0 operations',
      [...this.outside].map(([k, n]) => `${k} ×${n}`),
    );
    return lines.join('\n');
  }

  /** Throws, with the list of uncovered operations, unless every operation was covered. */
  assertFullCoverage(): void {
    const missing = this.uncovered;
    if (missing.length > 0)
      throw new Error(
        `${this.summary}; every operation of the spec must be exercised. Uncovered:\n` +
          missing.map((o) => `  ${o.key}`).join('\n'),
      );
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
