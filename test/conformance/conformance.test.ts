import { afterAll, beforeAll, describe, it } from 'vitest';
import { ConformanceClient } from './conformance-client.js';
import { CoverageRecorder, REQUIRE_FULL_COVERAGE } from './coverage.js';
import type { ConformanceContext } from './family.js';
import { FAMILIES } from './families/index.js';
import { loadSpec } from './spec.js';
import type { ConformanceTarget } from './store.js';
import { startConformanceTarget } from './store.js';

/**
 * The TAMS 7.0 REST conformance run: one store, one client and one coverage record shared by every
 * route family (families/), so the final check sees the whole run. Loading the spec throws when
 * TAMS_SPEC_DIR is missing: the run fails, it never skips.
 */
const spec = loadSpec();
const coverage = new CoverageRecorder(spec.operations);
let context: ConformanceContext | undefined;

beforeAll(async () => {
  const target: ConformanceTarget = await startConformanceTarget();
  context = {
    target,
    spec,
    client: new ConformanceClient(target.baseUrl, { spec, coverage, headers: target.headers }),
  };
});

afterAll(async () => {
  console.log(coverage.report());
  if (context && context.client.violations.length > 0)
    console.log(
      `conformance violations (${context.client.violations.length}):\n${context.client.describeViolations()}`,
    );
  await context?.target.close();
});

const current = (): ConformanceContext => {
  if (!context) throw new Error('the conformance store is not running (did beforeAll fail?)');
  return context;
};

for (const family of FAMILIES) describe(family.name, () => family.define(current));

describe(`coverage of TAMS ${spec.version}`, () => {
  // Defined last, so it runs after every family.
  it(`exercises all ${spec.operations.length} operations`, () => {
    if (REQUIRE_FULL_COVERAGE) coverage.assertFullCoverage();
    else console.log(coverage.summary);
  });
});
