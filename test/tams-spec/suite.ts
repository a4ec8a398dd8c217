import type { RunnerTask, TestOptions } from 'vitest';

/**
 * The options of every describe() or it() that checks against the official spec: skipped when the spec
 * is not found, and marked, so global-setup.ts can count what was skipped in its one summary line.
 */

declare module 'vitest' {
  interface TaskMeta {
    /** Set on suites and tests that need the official TAMS 7.0 spec (test/tams-spec/). */
    needsTamsSpec?: boolean;
  }
}

/** Pass what the spec loaded into (undefined when there is none): `describe(name, specSuite(spec), fn)`. */
export function specSuite(loaded: unknown): TestOptions {
  return { skip: loaded === undefined, meta: { needsTamsSpec: true } };
}

/** Tests skipped under a suite or test marked by specSuite, in a finished run's task tree. */
export function countSkippedSpecTests(tasks: readonly RunnerTask[], marked = false): number {
  let skipped = 0;
  for (const task of tasks) {
    const needsSpec = marked || task.meta.needsTamsSpec === true;
    if (task.type === 'test') {
      if (needsSpec && (task.result?.state ?? task.mode) === 'skip') skipped++;
    } else skipped += countSkippedSpecTests(task.tasks, needsSpec);
  }
  return skipped;
}
