/**
 * Soak: the mixed scenario (workload.ts) against one embedded store for a long time (10 minutes by
 * default; `--short`: 30 s, `--duration S`). Passes with 0 errors (every request 2xx), every acknowledged
 * write readable afterwards, the server alive, and, on runs of 5 minutes or more, bounded RSS and no
 * growing event-loop lag (slopes after the first quarter, which is warm-up).
 *
 *   npx tsx loadtest/stress/soak.ts [--short | --duration 600]
 */
import { loadavg } from 'node:os';
import { auditWrites } from './audit.js';
import { LoadClient } from './client.js';
import type { EmbeddedDeployment } from './deployment.js';
import { startEmbedded } from './deployment.js';
import { isMain, main } from './main.js';
import { isSuccess, Recorder, round } from './recorder.js';
import type { Criterion, StressReport } from './report.js';
import { buildReport, phaseOf } from './report.js';
import { startSampler } from './sampler.js';
import { seedStudio } from './studio.js';
import type { Mix } from './workload.js';
import { runMix, STUDIO_MIX } from './workload.js';

export interface SoakOptions {
  readonly durationS: number;
  readonly mix?: Mix;
}

/**
 * Bounded RSS: the median of the run's last third at most 10% + 16 MiB above the middle third's. Thirds,
 * not the slope, are judged: on a machine shared with other work, GC timing and the other processes move
 * single samples enough to tilt a line fit; a leak moves the whole last third. The slope is reported.
 */
export const rssBounded = ([, middle, last]: readonly number[]) => last! <= middle! * 1.1 + 16;
/** No growing event-loop lag: the last third's median p99 at most 1.5× + 20 ms the middle third's. */
export const lagNotGrowing = ([, middle, last]: readonly number[]) => last! <= middle! * 1.5 + 20;
/** Runs shorter than this are mostly warm-up: their trends are reported, not judged. */
const TREND_MIN_DURATION_S = 300;

export async function runSoak(options: SoakOptions): Promise<StressReport> {
  const mix = options.mix ?? STUDIO_MIX;
  const loadAverageAtStart = loadavg()[0]!;
  let deployment: EmbeddedDeployment | undefined;
  try {
    deployment = await startEmbedded();
    const { server, headers } = deployment;
    const studio = await seedStudio(server.url, headers);
    const recorder = new Recorder();
    const client = new LoadClient(() => server.url, headers, recorder, {
      connections: 64,
      timeoutMs: 10_000,
    });
    const stopSampler = startSampler(recorder, [{ name: 'embedded', current: () => server }]);
    const stop = { stopped: false };
    const from = recorder.mark('load');
    const running = runMix(client, recorder, studio, mix, stop);
    await new Promise((resolve) => setTimeout(resolve, options.durationS * 1000));
    stop.stopped = true;
    await running;
    const to = recorder.mark('end');
    stopSampler();
    await client.close();
    const audit = await auditWrites(server.url, headers, recorder.acknowledged);
    const alive = server.child.exitCode === null && server.child.signalCode === null;

    const failures = recorder.requests.filter((r) => !isSuccess(r.outcome));
    const report = buildReport({
      name: 'soak',
      recorder,
      options: { durationS: options.durationS, mix },
      loadAverageAtStart,
      phases: [phaseOf(recorder, 'load', from, to)],
      windowS: options.durationS >= TREND_MIN_DURATION_S ? 30 : 5,
      audit,
      criteria: [],
    });
    const trend = report.processes.embedded;
    const judged = options.durationS >= TREND_MIN_DURATION_S;
    const criteria: Criterion[] = [
      { name: 'server alive', pass: alive, detail: alive ? 'never exited' : 'the server exited' },
      {
        name: '0 errors',
        pass: failures.length === 0,
        detail: `${failures.length} of ${recorder.requests.length} requests not 2xx`,
      },
      {
        name: 'acknowledged writes readable',
        pass: audit.lost.length === 0 && audit.acknowledged > 0,
        detail: `${audit.acknowledged} acknowledged, ${audit.lost.length} lost`,
      },
      {
        name: 'bounded RSS',
        pass: !judged || (trend !== undefined && rssBounded(trend.rssMiB.thirdMedians)),
        detail: `medians by third ${trend?.rssMiB.thirdMedians.join(' → ')} MiB, slope ${round(trend?.rssMiB.slopePerMinute ?? 0, 2)} MiB/min after warm-up, max ${trend?.rssMiB.max} MiB${judged ? '' : '; not judged: run under 5 min'}`,
      },
      {
        name: 'no growing event-loop lag',
        pass: !judged || (trend !== undefined && lagNotGrowing(trend.lagP99Ms.thirdMedians)),
        detail: `p99 medians by third ${trend?.lagP99Ms.thirdMedians.map((v) => round(v)).join(' → ')} ms, slope ${round(trend?.lagP99Ms.slopePerMinute ?? 0, 2)} ms/min after warm-up, max ${round(trend?.lagP99Ms.max ?? 0)} ms${judged ? '' : '; not judged: run under 5 min'}`,
      },
    ];
    return { ...report, criteria, pass: criteria.every((c) => c.pass) };
  } finally {
    await deployment?.close();
  }
}

/** `--short`: the CI length. */
export const SOAK_SHORT_S = 30;
export const SOAK_LONG_S = 600;

if (isMain(import.meta.url))
  await main((args) => runSoak({ durationS: args.durationS ?? (args.short ? SOAK_SHORT_S : SOAK_LONG_S) }));
