import { describe, expect, it } from 'vitest';
import { CoverageRecorder, REQUIRE_FULL_COVERAGE } from '../coverage.js';
import { specSuite } from '../../tams-spec/suite.js';
import { specForTests } from '../spec.js';

const loaded = specForTests();

describe('coverage recording', specSuite(loaded), () => {
  const spec = loaded!; // read only inside the tests, which skip when there is no spec
  const op = (method: 'GET' | 'HEAD' | 'POST', path: string) => spec.operation(method, path)!;

  it('counts an operation once it answered a status it declares', () => {
    const coverage = new CoverageRecorder(spec.operations);
    coverage.record(op('GET', '/service'), 200, true);
    coverage.record(op('GET', '/service'), 200, true);
    coverage.record(op('HEAD', '/service'), 500, false);
    coverage.recordOutside('PUT /sources/{sourceId}', 405);
    expect(coverage.covered.map((o) => o.key)).toEqual(['GET /service']);
    expect(coverage.summary).toBe('conformance coverage: 1/74 operations');
    const report = coverage.report();
    expect(report.split('\n')[0]).toBe('conformance coverage: 1/74 operations');
    expect(report).toMatch(/uncovered operations \(73\):\n {2}GET \/\n/);
    expect(report).toMatch(/declared statuses never observed \(\d+\):[^]*GET \/flows 400/);
    expect(report).toMatch(/undeclared statuses seen[^]*HEAD \/service 500 ×1/);
    expect(report).toMatch(/requests outside the 7.0 operations[^]*PUT \/sources\/\{sourceId\} 405 ×1/);
  });

  it('fails the full-coverage check with the list of what is missing, and passes at 74/74', () => {
    const coverage = new CoverageRecorder(spec.operations);
    coverage.record(op('POST', '/service'), 200, true);
    expect(() => coverage.assertFullCoverage()).toThrow(/1\/74 operations[^]*\n {2}GET \/service\n/);
    for (const o of spec.operations) coverage.record(o, [...o.responses.keys()][0]!, true);
    expect(() => coverage.assertFullCoverage()).not.toThrow();
    expect(coverage.summary).toBe('conformance coverage: 74/74 operations');
    expect(REQUIRE_FULL_COVERAGE).toBe(true);
  });
});
