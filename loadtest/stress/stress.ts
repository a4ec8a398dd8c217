/**
 * `npm run stress`: the soak, the spike and the fault runs in turn (the long versions: soak 10 min,
 * spike 500 connections held 30 s, faults 20 s down each; `-- --short` for the CI lengths, about 3 min
 * in all). Each writes loadtest/results/stress-<name>.{json,md}; prints the criteria of each; exits 1 if
 * any run failed one.
 */
import { parseArgs } from './args.js';
import { FAULTS_LONG, FAULTS_SHORT, runFaults } from './faults.js';
import type { StressReport } from './report.js';
import { writeReport } from './report.js';
import { runSoak, SOAK_LONG_S, SOAK_SHORT_S } from './soak.js';
import { runSpike, SPIKE_LONG, SPIKE_SHORT } from './spike.js';

const { short } = parseArgs(process.argv.slice(2));
const runs: [string, () => Promise<StressReport>][] = [
  ['soak', () => runSoak({ durationS: short ? SOAK_SHORT_S : SOAK_LONG_S })],
  ['spike', () => runSpike(short ? SPIKE_SHORT : SPIKE_LONG)],
  ['faults', () => runFaults(short ? FAULTS_SHORT : FAULTS_LONG)],
];
let failed = 0;
for (const [name, run] of runs) {
  console.log(`== ${name}${short ? ' (short)' : ''}`);
  const report = await run();
  writeReport(report);
  for (const c of report.criteria) console.log(`  ${c.pass ? 'pass' : 'FAIL'}  ${c.name}: ${c.detail}`);
  console.log(`  → loadtest/results/stress-${name}.md`);
  if (!report.pass) failed++;
}
console.log(failed ? `${failed} of ${runs.length} stress runs failed` : 'every stress run passed');
process.exitCode = failed ? 1 : 0;
