import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Test files that take the longest (20 s to 3 min each on a loaded CI machine), longest first. vitest orders files by the durations it
 * cached on an earlier run; a clean clone (CI, a new contributor) has no cache, and the files then run
 * in path order: `test/stress` came last and ran alone for two minutes after everything else had
 * finished. Starting them first lets the short files fill the other worker meanwhile.
 */
const LONG_FILES = [
  'test/stress/stress.test.ts',
  'test/export/export-streaming.test.ts',
  'test/replicas/',
  'lib/executor/flow-sort-plan.backends.test.ts',
  'test/export/export.test.ts',
  'test/dashboard/',
  'test/hostile-input/',
  'test/graphql-scenario/',
  'test/shutdown-drain/',
  'test/conformance/conformance.test.ts',
  'lib/executor/endpoints/read-endpoints.test.ts',
  'test/object-ids/',
  'test/auth/',
  'loadtest/k6-node/',
  'test/subscriptions/',
];

const rank = (spec: TestSpecification): number => {
  const path = spec.moduleId.replaceAll('\\', '/');
  const index = LONG_FILES.findIndex((long) => path.includes(`/${long}`));
  return index === -1 ? LONG_FILES.length : index;
};

/**
 * vitest's own order (failed first, then longest first by cached duration) where it has run every file
 * before; otherwise the known long files first.
 */
export default class LongFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const cached = (spec: TestSpecification) =>
      this.ctx.cache.getFileTestResults(
        `${spec.project.name}:${relative(this.ctx.config.root, spec.moduleId)}`,
      );
    if (files.every(cached)) return sorted;
    // Array.prototype.sort is stable: within a rank, vitest's order stands.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
