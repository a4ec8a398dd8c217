/**
 * Spike: a light baseline (a few clients of the mixed scenario), then 0 → 500 connections within 1 s,
 * each sending reads back to back (REST windows and GraphQL across both subgraphs) and honouring
 * Retry-After, held for a while, then gone; the baseline goes on. Passes when the server never crashes,
 * no request times out or is cut (a saturated server answers 503 + Retry-After at once: admission
 * control), every 503 carries Retry-After, the baseline recovers (all requests 2xx with the p50 back
 * near its pre-spike value) within `recoveryLimitS` of the spike's end (5 s; `--short`: only that it
 * recovers before the run ends), and every acknowledged write is readable.
 *
 *   npx tsx loadtest/stress/spike.ts [--short | --duration HOLD_S]
 */
import { loadavg } from 'node:os';
import { CROSS_SUBGRAPH_QUERY, SEED, windowPath } from '../k6/lib/scenarios.js';
import { auditWrites } from './audit.js';
import type { Sent } from './client.js';
import { LoadClient, sleep } from './client.js';
import type { EmbeddedDeployment } from './deployment.js';
import { startEmbedded } from './deployment.js';
import { isMain, main } from './main.js';
import { Recorder, round } from './recorder.js';
import type { Criterion, StressReport } from './report.js';
import { buildReport, phaseOf } from './report.js';
import { percentile } from './stats.js';
import { startSampler } from './sampler.js';
import { seedStudio } from './studio.js';
import type { Mix, Stop, Studio } from './workload.js';
import { runMix } from './workload.js';

export interface SpikeOptions {
  readonly connections: number;
  /** The connections open evenly over this long. */
  readonly rampMs: number;
  readonly baselineS: number;
  readonly holdS: number;
  /** How long the baseline goes on after the spike (the recovery is looked for in this). */
  readonly afterS: number;
  /** Recovery must come within this (seconds); null: only that it comes before the run ends. */
  readonly recoveryLimitS: number | null;
  /** Extra environment for the server (e.g. admission limits). */
  readonly env?: Readonly<Record<string, string>>;
}

/** The baseline beside the spike: a few clients of the studio mix. */
const BASELINE: Mix = { writers: 2, writeIntervalMs: 250, readers: 4, graphql: 2, thinkMs: 250 };

export async function runSpike(options: SpikeOptions): Promise<StressReport> {
  const loadAverageAtStart = loadavg()[0]!;
  let deployment: EmbeddedDeployment | undefined;
  try {
    deployment = await startEmbedded(options.env);
    const { server, headers } = deployment;
    const studio = await seedStudio(server.url, headers);
    const recorder = new Recorder();
    const baselineClient = new LoadClient(() => server.url, headers, recorder, {
      connections: 16,
      timeoutMs: 10_000,
    });
    const spikeClient = new LoadClient(() => server.url, headers, recorder, {
      connections: options.connections,
      timeoutMs: 10_000,
    });
    const stopSampler = startSampler(recorder, [{ name: 'embedded', current: () => server }]);
    const baselineStop: Stop = { stopped: false };
    const baselineFrom = recorder.mark('baseline');
    const baseline = runMix(baselineClient, recorder, studio, BASELINE, baselineStop);
    await sleep(options.baselineS * 1000);

    const spikeFrom = recorder.mark('spike');
    const spikeStop: Stop = { stopped: false };
    const users: Promise<void>[] = [];
    // In ten steps: a timer per connection would stretch the ramp on a busy machine (timers fire late).
    const steps = 10;
    for (let step = 0; step < steps; step++) {
      for (let i = (step * options.connections) / steps; i < ((step + 1) * options.connections) / steps; i++)
        users.push(spikeUser(spikeClient, studio, i, spikeStop));
      if (step < steps - 1) await sleep(options.rampMs / steps);
    }
    const rampedAt = recorder.now();
    await sleep(options.holdS * 1000 - (rampedAt - spikeFrom));
    spikeStop.stopped = true;
    const spikeTo = recorder.mark('spike over');
    await Promise.all(users);
    await spikeClient.close();
    await sleep(options.afterS * 1000);
    baselineStop.stopped = true;
    await baseline;
    const end = recorder.mark('end');
    stopSampler();
    await baselineClient.close();
    const audit = await auditWrites(server.url, headers, recorder.acknowledged);
    const alive = server.child.exitCode === null && server.child.signalCode === null;

    // The baseline's own p50 before the spike; "recovered" is the baseline back within 3× of it (+50 ms
    // for a noisy machine), every request 2xx.
    const before = recorder.requests.filter(
      (r) => r.t >= baselineFrom && r.t < spikeFrom && r.op !== 'spike',
    );
    const baselineP50 = percentile(
      before.map((r) => r.ms),
      50,
    );
    const latencyBack = baselineP50 * 3 + 50;
    const after = recorder.requests.filter((r) => r.t >= spikeTo);
    const recoveredAfterS = recorder.recoveredAfter(spikeTo, latencyBack);
    const all = recorder.outcomes();
    const count = (pred: (o: string) => boolean) =>
      Object.entries(all).reduce((n, [o, c]) => n + (pred(o) ? c : 0), 0);
    const hangs = count((o) => o.startsWith('timeout'));
    const cut = count((o) => o.startsWith('connection'));
    const bare503 = count((o) => o.endsWith('-no-retry-after'));
    const otherErrors = count(
      (o) =>
        !o.startsWith('2') &&
        !['503', '429'].includes(o) &&
        !o.startsWith('timeout') &&
        !o.startsWith('connection') &&
        !o.endsWith('-no-retry-after'),
    );
    const refused = count((o) => o === '503');
    const criteria: Criterion[] = [
      { name: 'no crash', pass: alive, detail: alive ? 'the server never exited' : 'the server exited' },
      { name: 'no timeouts', pass: hangs === 0, detail: `${hangs} requests unanswered within 10 s` },
      { name: 'no connection errors', pass: cut === 0, detail: `${cut} requests refused or reset` },
      {
        name: '503s carry Retry-After',
        pass: bare503 === 0,
        detail: `${refused} refused with 503 + Retry-After, ${bare503} without`,
      },
      { name: 'no other errors', pass: otherErrors === 0, detail: `${otherErrors} other non-2xx answers` },
      {
        name: `recovery${options.recoveryLimitS === null ? '' : ` within ${options.recoveryLimitS} s`}`,
        pass:
          recoveredAfterS !== null &&
          (options.recoveryLimitS === null || recoveredAfterS <= options.recoveryLimitS),
        detail: `${recoveredAfterS ?? 'never'} s after the spike (baseline p50 ${round(baselineP50)} ms before, back under ${round(latencyBack)} ms; ${after.length} requests after)`,
      },
      {
        name: 'acknowledged writes readable',
        pass: audit.lost.length === 0,
        detail: `${audit.acknowledged} acknowledged, ${audit.lost.length} lost`,
      },
    ];
    const report = buildReport({
      name: 'spike',
      recorder,
      options: { ...options, baseline: BASELINE },
      loadAverageAtStart,
      criteria,
      phases: [
        phaseOf(recorder, 'baseline', baselineFrom, spikeFrom),
        phaseOf(
          recorder,
          `spike (${options.connections} connections in ${round((rampedAt - spikeFrom) / 1000, 2)} s)`,
          spikeFrom,
          spikeTo,
        ),
        { ...phaseOf(recorder, 'after', spikeTo, end), recoveredAfterS },
      ],
      windowS: 1,
      audit,
      notes: [`the spike's connections opened within ${round((rampedAt - spikeFrom) / 1000, 2)} s`],
    });
    return report;
  } finally {
    await deployment?.close();
  }
}

/** One of the spike's clients: reads back to back, alternating a REST window and a GraphQL query. */
async function spikeUser(client: LoadClient, studio: Studio, i: number, stop: Stop): Promise<void> {
  for (let n = 0; !stop.stopped; n++) {
    const flowId = studio.flows[(i + n) % studio.flows.length]!;
    const sent: Sent =
      (i + n) % 2 === 0
        ? await client.send('spike', 'GET', windowPath(flowId, SEED.studioInitialSegments))
        : await client.send('spike', 'POST', '/graphql', {
            query: CROSS_SUBGRAPH_QUERY,
            variables: { id: flowId },
          });
    if (sent.retryAfterS !== undefined && !stop.stopped) await sleep(sent.retryAfterS * 1000);
  }
}

export const SPIKE_LONG: SpikeOptions = {
  connections: 500,
  rampMs: 1000,
  baselineS: 15,
  holdS: 30,
  afterS: 20,
  recoveryLimitS: 5,
};
export const SPIKE_SHORT: SpikeOptions = {
  ...SPIKE_LONG,
  baselineS: 5,
  holdS: 8,
  afterS: 12,
  recoveryLimitS: null,
};

if (isMain(import.meta.url))
  await main((args) =>
    runSpike({
      ...(args.short ? SPIKE_SHORT : SPIKE_LONG),
      ...(args.durationS ? { holdS: args.durationS } : {}),
    }),
  );
