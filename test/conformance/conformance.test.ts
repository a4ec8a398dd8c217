import { afterAll, beforeAll, describe, it } from 'vitest';
import { specSuite } from '../tams-spec/suite.js';
import { ConformanceClient } from './conformance-client.js';
import { CoverageRecorder, REQUIRE_FULL_COVERAGE } from './coverage.js';
import type { ConformanceContext } from './family.js';
import { FAMILIES } from './families/index.js';
import { SPEC_VERSION } from '../tams-spec/locate.js';
import { specForTests } from './spec.js';
import type { ConformanceTarget } from './store.js';
import { startConformanceTarget } from './store.js';

/**
 * The TAMS 7.0 REST conformance run: one store, one client and one coverage record shared by every
 * route family (families/), so the final check sees the whole run. Without the official spec the run
 * is reported as skipped (test/tams-spec/); a spec that is configured but missing or broken fails it.
 */
const spec = specForTests();

describe(`TAMS ${SPEC_VERSION} REST conformance`, specSuite(spec), () => {
  let context: ConformanceContext | undefined;
  let coverage: CoverageRecorder | undefined;

  beforeAll(async () => {
    const loaded = spec!;
    const target: ConformanceTarget = await startConformanceTarget();
    coverage = new CoverageRecorder(loaded.operations);
    context = {
      target,
      spec: loaded,
      client: new ConformanceClient(target.baseUrl, { spec: loaded, coverage, headers: target.headers }),
    };
  });

  afterAll(async () => {
    if (coverage) console.log(coverage.report());
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

  describe(`coverage of TAMS ${SPEC_VERSION}`, () => {
    // Defined last, so it runs after every family.
    it(`exercises all ${spec?.operations.length ?? 'the'} operations`, () => {
      if (!coverage) throw new Error('the conformance store is not running (did beforeAll fail?)');
      if (REQUIRE_FULL_COVERAGE) coverage.assertFullCoverage();
      else console.log(coverage.summary);
    });
  });
});
