/**
 * Faults under load in distributed mode (gateway, media and analytics processes on a PostgreSQL and a
 * redis-server of the run's own): the mixed scenario runs throughout while the run, in turn, kills the
 * media process with SIGKILL (and starts it again), stops it with SIGSTOP (hung: its port still accepts,
 * nothing answers) and continues it, crashes and restarts PostgreSQL (immediate stop, start), and kills
 * and restarts Redis, each down for `downS`, with `settleS` between faults. Passes when
 * no request hangs (every one answered within the client's 10 s), while a part is down the failures are
 * answered 503 with Retry-After (what else came back is counted per phase), the store recovers by itself
 * after each fault (every request 2xx again), no acknowledged write is lost, and the gateway never exits.
 *
 *   npx tsx loadtest/stress/faults.ts [--short | --duration DOWN_S]
 */
import { loadavg } from 'node:os';
import { auditWrites } from './audit.js';
import { LoadClient, sleep } from './client.js';
import type { DistributedDeployment, RoleProcess } from './deployment.js';
import { startDistributed } from './deployment.js';
import { isMain, main } from './main.js';
import { isRetryLater, isSuccess, Recorder } from './recorder.js';
import type { Criterion, Phase, StressReport } from './report.js';
import { buildReport, phaseOf } from './report.js';
import { startSampler } from './sampler.js';
import { seedStudio } from './studio.js';
import type { Mix } from './workload.js';
import { runMix } from './workload.js';

export interface FaultOptions {
  readonly warmupS: number;
  /** How long each part stays down. */
  readonly downS: number;
  /** How long the load runs after a part is back, before the next fault (recovery is looked for in it). */
  readonly settleS: number;
}

/** The gateway's deadline for a subgraph's answer in this run (TAMS_SUBGRAPH_TIMEOUT_MS). */
const SUBGRAPH_TIMEOUT_MS = 5000;

/** Lighter than the soak's: three server processes, PostgreSQL and the load share the machine. */
const FAULT_MIX: Mix = { writers: 4, writeIntervalMs: 250, readers: 6, graphql: 4, thinkMs: 250 };

interface Fault {
  readonly name: string;
  down(d: DistributedDeployment): Promise<void>;
  up(d: DistributedDeployment): Promise<void>;
}

const FAULTS: readonly Fault[] = [
  { name: 'media process killed (SIGKILL)', down: (d) => d.killMedia(), up: (d) => d.restartMedia() },
  {
    name: 'media process hung (SIGSTOP)',
    down: (d) => signal(d.media(), 'SIGSTOP'),
    up: (d) => signal(d.media(), 'SIGCONT'),
  },
  {
    name: 'PostgreSQL crashed (immediate stop)',
    down: (d) => d.postgres.stop('immediate'),
    up: (d) => d.postgres.start(),
  },
  { name: 'Redis killed (SIGKILL)', down: (d) => d.redis.kill(), up: (d) => d.redis.restart() },
];

export async function runFaults(options: FaultOptions): Promise<StressReport> {
  const loadAverageAtStart = loadavg()[0]!;
  let deployment: DistributedDeployment | undefined;
  try {
    // Below the client's 10 s: a request waiting on the hung media process is answered 503 before it.
    deployment = await startDistributed({ TAMS_SUBGRAPH_TIMEOUT_MS: String(SUBGRAPH_TIMEOUT_MS) });
    const d = deployment;
    const { gateway, headers } = d;
    const studio = await seedStudio(gateway.url, headers, 8);
    const recorder = new Recorder();
    const client = new LoadClient(() => gateway.url, headers, recorder, {
      connections: 32,
      timeoutMs: 10_000,
    });
    const stopSampler = startSampler(recorder, [
      { name: 'gateway', current: () => gateway },
      { name: 'media', current: () => (d.media().child.exitCode === null ? d.media() : null) },
      { name: 'analytics', current: () => d.analytics },
    ]);
    const stop = { stopped: false };
    const warmFrom = recorder.mark('warm-up');
    const load = runMix(client, recorder, studio, FAULT_MIX, stop);
    await sleep(options.warmupS * 1000);
    const phases: Phase[] = [phaseOf(recorder, 'warm-up', warmFrom, recorder.now())];
    const downPhases: Phase[] = [];
    const afterPhases: Phase[] = [];
    for (const fault of FAULTS) {
      const downFrom = recorder.mark(`${fault.name}: down`);
      await fault.down(d);
      await sleep(options.downS * 1000);
      const upFrom = recorder.mark(`${fault.name}: starting again`);
      await fault.up(d);
      await sleep(options.settleS * 1000);
      const settled = recorder.now();
      const down = phaseOf(recorder, `${fault.name}: down`, downFrom, upFrom);
      const after = phaseOf(recorder, `${fault.name}: back`, upFrom, settled, true);
      downPhases.push(down);
      afterPhases.push(after);
      phases.push(down, after);
    }
    stop.stopped = true;
    await load;
    recorder.mark('end');
    stopSampler();
    await client.close();
    const roles = [gateway, d.media(), d.analytics];
    const dead = roles.filter((p) => p.child.exitCode !== null || p.child.signalCode !== null);
    const notes = dead.map(
      (p) =>
        `${p.role} exited (${p.child.exitCode ?? p.child.signalCode}); its last errors: ${lastErrors(p.output())}`,
    );
    const audit = dead.length
      ? { acknowledged: recorder.acknowledged.length, lost: [...recorder.acknowledged] }
      : await auditWrites(gateway.url, headers, recorder.acknowledged);
    const gatewayAlive = gateway.child.exitCode === null && gateway.child.signalCode === null;

    const all = recorder.outcomes();
    const sum = (counts: Record<string, number>, pred: (o: string) => boolean) =>
      Object.entries(counts).reduce((n, [o, c]) => n + (pred(o) ? c : 0), 0);
    const hangs = sum(all, (o) => o.startsWith('timeout'));
    const criteria: Criterion[] = [
      {
        name: 'every role process alive at the end',
        pass: dead.length === 0,
        detail: dead.length
          ? `${dead.map((p) => p.role).join(', ')} exited (audit not run)`
          : 'gateway, media, analytics',
      },
      {
        name: 'gateway never exits',
        pass: gatewayAlive,
        detail: gatewayAlive ? 'alive throughout' : 'the gateway exited',
      },
      { name: 'no request hangs', pass: hangs === 0, detail: `${hangs} requests unanswered within 10 s` },
      ...downPhases.map((p, i) => {
        // Down, and while starting again: both are "a part is down" to a client.
        const outcomes = recorder.outcomes(p.fromS * 1000, afterPhases[i]!.toS * 1000);
        const failed = sum(outcomes, (o) => !isSuccess(o));
        const other = sum(outcomes, (o) => !isSuccess(o) && !isRetryLater(o));
        return {
          name: `${FAULTS[i]!.name}: failures are 503 + Retry-After`,
          pass: other === 0,
          detail: `${failed} failed while down or starting again, ${failed - other} of them 503 + Retry-After; longest request while down ${p.maxMs} ms`,
        };
      }),
      ...afterPhases.map((p) => ({
        name: `${p.name}: recovers by itself`,
        pass: p.recoveredAfterS !== null && p.recoveredAfterS !== undefined,
        detail: `every request 2xx again ${p.recoveredAfterS ?? 'never'} s after the part was started again`,
      })),
      {
        name: 'acknowledged writes readable',
        pass: audit.lost.length === 0 && audit.acknowledged > 0,
        detail: `${audit.acknowledged} acknowledged, ${audit.lost.length} lost`,
      },
    ];
    return buildReport({
      name: 'faults',
      recorder,
      options: { ...options, mix: FAULT_MIX },
      loadAverageAtStart,
      criteria,
      phases,
      windowS: 1,
      audit,
      notes,
    });
  } finally {
    await deployment?.close();
  }
}

export const FAULTS_LONG: FaultOptions = { warmupS: 20, downS: 20, settleS: 30 };
export const FAULTS_SHORT: FaultOptions = { warmupS: 5, downS: 5, settleS: 10 };

if (isMain(import.meta.url))
  await main((args) =>
    runFaults({
      ...(args.short ? FAULTS_SHORT : FAULTS_LONG),
      ...(args.durationS ? { downS: args.durationS } : {}),
    }),
  );

/** The process's last error and fatal log lines (pino levels 50, 60) and any non-JSON output (a crash). */
function lastErrors(output: string): string {
  return output
    .split('\n')
    .filter((line) => /"level":(50|60)/.test(line) || (line.trim() !== '' && !line.startsWith('{')))
    .slice(-8)
    .join(' | ')
    .slice(-3000);
}

function signal(p: RoleProcess, name: NodeJS.Signals): Promise<void> {
  p.child.kill(name);
  return Promise.resolve();
}
