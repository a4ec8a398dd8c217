import type { TestProject } from 'vitest/node';
import { HOW_TO_GET_THE_SPEC, locateSpec } from './locate.js';
import { countSkippedSpecTests } from './suite.js';

/**
 * vitest globalSetup: when the official spec is not found, the run ends with one line saying how many
 * tests skipped for that and how to run them (instead of a note per test file).
 */
export default function announceSkippedSpecTests(project: TestProject): () => void {
  const location = locateSpec();
  return () => {
    if (location.found) return;
    const skipped = countSkippedSpecTests(project.vitest.state.getFiles());
    if (skipped > 0)
      console.log(
        `\nTAMS 7.0 spec not found (${location.tried}): ${skipped} tests that check against it were skipped. ` +
          `Enable them: ${HOW_TO_GET_THE_SPEC}.`,
      );
  };
}
