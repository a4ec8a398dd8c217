import { describe, expect, it } from 'vitest';
import { FAULTS_SHORT, runFaults } from '../../loadtest/stress/faults.js';
import type { StressReport } from '../../loadtest/stress/report.js';
import { writeReport } from '../../loadtest/stress/report.js';
import { runSoak, SOAK_SHORT_S } from '../../loadtest/stress/soak.js';
import { runSpike, SPIKE_SHORT } from '../../loadtest/stress/spike.js';

/**
 * The stress suite's short versions (loadtest/stress/, `npm run stress -- --short`), about 3 minutes in
 * one file so that they never run beside each other. Every assertion counts (errors by status, lost
 * writes, a process gone); none times anything, except "recovered" within the run's own window, which
 * polls per second. Each run's report is written to loadtest/results/stress-<name>.md for a failure's
 * context. The long versions and their figures: docs/performance.md, "Stress".
 */
const RUN_LIMIT_MS = 170_000;

/** The criteria that failed, with their details, for a failure message that says what happened. */
function failed(report: StressReport, except: readonly string[] = []): string[] {
  writeReport(report);
  return report.criteria
    .filter((c) => !c.pass && !except.includes(c.name))
    .map((c) => `${c.name}: ${c.detail}`);
}

describe.sequential('stress (short versions)', () => {
  it(
    'soak: the mixed studio scenario with every request 2xx and every acknowledged write readable',
    async () => {
      const report = await runSoak({ durationS: SOAK_SHORT_S });
      expect(failed(report)).toEqual([]);
      expect(report.audit.acknowledged).toBeGreaterThan(0);
    },
    RUN_LIMIT_MS,
  );

  it(
    'spike: 500 connections within a second: no crash, refusals are 503 + Retry-After, no other errors, recovery',
    async () => {
      const report = await runSpike(SPIKE_SHORT);
      // Timeouts are counted and reported, not asserted: usually 0 since the listen backlog and paced
      // loop turns, but with the 2-core machine loaded (the server got under a core) one long run had 62
      // requests past the client's 10 s (docs/performance.md, "Stress").
      expect(failed(report, ['no timeouts'])).toEqual([]);
    },
    RUN_LIMIT_MS,
  );

  it(
    'faults in distributed mode: media killed, media hung, PostgreSQL crashed, Redis killed: 503 + Retry-After, no hang, recovery, no write lost',
    async () => {
      const report = await runFaults(FAULTS_SHORT);
      expect(failed(report)).toEqual([]);
    },
    RUN_LIMIT_MS,
  );
});
