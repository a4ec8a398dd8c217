/**
 * A stress run's report: pass/fail criteria first, then what the run saw (outcomes per phase, latency
 * per time window, each process's RSS and event-loop lag with their trend, the write audit), written as
 * `loadtest/results/stress-<name>.json` and `.md` (not committed; docs/performance.md keeps figures).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { AuditResult } from './audit.js';
import type { Recorder, WindowStats } from './recorder.js';
import { round } from './recorder.js';
import type { Trend } from './stats.js';
import { trendOf } from './stats.js';

export interface Criterion {
  readonly name: string;
  readonly pass: boolean;
  readonly detail: string;
}

export interface Phase {
  readonly name: string;
  readonly fromS: number;
  readonly toS: number;
  readonly outcomes: Record<string, number>;
  /** Seconds from the phase's start until every request succeeded again (see Recorder.recoveredAfter). */
  readonly recoveredAfterS?: number | null;
  /** The longest a request sent in the phase took, ms. */
  readonly maxMs: number;
}

export interface StressReport {
  readonly name: string;
  readonly generated: string;
  readonly durationS: number;
  readonly options: Record<string, unknown>;
  readonly loadAverage: { readonly start: number; readonly end: number };
  readonly pass: boolean;
  readonly criteria: readonly Criterion[];
  readonly outcomes: Record<string, number>;
  readonly outcomesByOp: Record<string, Record<string, number>>;
  readonly phases: readonly Phase[];
  readonly windowS: number;
  readonly windows: readonly WindowStats[];
  readonly processes: Record<string, { rssMiB: Trend; lagP99Ms: Trend; inFlightMax: number }>;
  readonly audit: { readonly acknowledged: number; readonly lost: number; readonly lostSample: unknown[] };
  readonly notes: readonly string[];
}

/** Outcomes and the longest request of the requests sent in [fromMs, toMs). */
export function phaseOf(
  recorder: Recorder,
  name: string,
  fromMs: number,
  toMs: number,
  recovery = false,
): Phase {
  const sent = recorder.requests.filter((r) => r.t >= fromMs && r.t < toMs);
  return {
    name,
    fromS: round(fromMs / 1000),
    toS: round(toMs / 1000),
    outcomes: recorder.outcomes(fromMs, toMs),
    maxMs: round(Math.max(0, ...sent.map((r) => r.ms))),
    ...(recovery ? { recoveredAfterS: recorder.recoveredAfter(fromMs) } : {}),
  };
}

export function buildReport(input: {
  name: string;
  recorder: Recorder;
  options: Record<string, unknown>;
  loadAverageAtStart: number;
  criteria: readonly Criterion[];
  phases: readonly Phase[];
  windowS: number;
  audit: AuditResult;
  notes?: readonly string[];
}): StressReport {
  const { recorder } = input;
  const byOp: Record<string, Record<string, number>> = {};
  for (const r of recorder.requests) {
    const op = (byOp[r.op] ??= {});
    op[r.outcome] = (op[r.outcome] ?? 0) + 1;
  }
  const names = [...new Set(recorder.processes.map((p) => p.process))];
  const processes: StressReport['processes'] = {};
  for (const name of names) {
    const samples = recorder.processes.filter((p) => p.process === name);
    processes[name] = {
      rssMiB: trendOf(samples.map((s) => ({ t: s.t, v: s.rssMiB }))),
      lagP99Ms: trendOf(samples.filter((s) => s.lagP99Ms !== null).map((s) => ({ t: s.t, v: s.lagP99Ms! }))),
      inFlightMax: Math.max(0, ...samples.map((s) => s.inFlight ?? 0)),
    };
  }
  return {
    name: input.name,
    generated: new Date().toISOString(),
    durationS: round(recorder.now() / 1000),
    options: input.options,
    loadAverage: { start: round(input.loadAverageAtStart, 2), end: round(loadavg()[0]!, 2) },
    pass: input.criteria.every((c) => c.pass),
    criteria: input.criteria,
    outcomes: recorder.outcomes(),
    outcomesByOp: byOp,
    phases: input.phases,
    windowS: input.windowS,
    windows: recorder.windows(input.windowS * 1000),
    processes,
    audit: {
      acknowledged: input.audit.acknowledged,
      lost: input.audit.lost.length,
      lostSample: input.audit.lost.slice(0, 10),
    },
    notes: input.notes ?? [],
  };
}

const RESULTS = fileURLToPath(new URL('../results/', import.meta.url));

/** Writes the report as JSON and Markdown under loadtest/results/; returns the Markdown. */
export function writeReport(report: StressReport): string {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(`${RESULTS}stress-${report.name}.json`, `${JSON.stringify(report, null, 2)}\n`);
  const md = markdownOf(report);
  writeFileSync(`${RESULTS}stress-${report.name}.md`, md);
  return md;
}

const fmt = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ') || '-';

function markdownOf(r: StressReport): string {
  const lines = [
    `# Stress: ${r.name} (${r.pass ? 'PASS' : 'FAIL'})`,
    '',
    `${r.generated}, ${r.durationS} s, load average ${r.loadAverage.start} → ${r.loadAverage.end}; options ${JSON.stringify(r.options)}`,
    '',
    '| criterion | result | detail |',
    '| --- | --- | --- |',
    ...r.criteria.map((c) => `| ${c.name} | ${c.pass ? 'pass' : '**FAIL**'} | ${c.detail} |`),
    '',
    `Outcomes (all requests): ${fmt(r.outcomes)}`,
    '',
    '| operation | outcomes |',
    '| --- | --- |',
    ...Object.entries(r.outcomesByOp).map(([op, c]) => `| ${op} | ${fmt(c)} |`),
    '',
    '## Phases',
    '',
    '| phase | from s | to s | outcomes | longest ms | recovered after s |',
    '| --- | ---: | ---: | --- | ---: | ---: |',
    ...r.phases.map(
      (p) =>
        `| ${p.name} | ${p.fromS} | ${p.toS} | ${fmt(p.outcomes)} | ${p.maxMs} | ${p.recoveredAfterS === undefined ? '' : (p.recoveredAfterS ?? 'never')} |`,
    ),
    '',
    '## Processes',
    '',
    '| process | RSS MiB first → last (min–max) | RSS slope MiB/min | lag p99 ms first → last (max) | lag slope ms/min | requests in flight, max sampled |',
    '| --- | --- | ---: | --- | ---: | ---: |',
    ...Object.entries(r.processes).map(
      ([name, t]) =>
        `| ${name} | ${t.rssMiB.first} → ${t.rssMiB.last} (${t.rssMiB.min}–${t.rssMiB.max}) | ${round(t.rssMiB.slopePerMinute, 2)} | ${round(t.lagP99Ms.first)} → ${round(t.lagP99Ms.last)} (${round(t.lagP99Ms.max)}) | ${round(t.lagP99Ms.slopePerMinute, 2)} | ${t.inFlightMax} |`,
    ),
    '',
    `## Acknowledged writes`,
    '',
    `${r.audit.acknowledged} acknowledged, ${r.audit.lost} lost.`,
    '',
    `## Requests per ${r.windowS} s window`,
    '',
    '| from s | requests | ok | 503/429 + Retry-After | failed | p50 ms | p99 ms |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...r.windows.map(
      (w) =>
        `| ${w.fromS} | ${w.requests} | ${w.ok} | ${w.retryLater} | ${w.failed} | ${w.p50Ms} | ${w.p99Ms} |`,
    ),
    ...(r.notes.length ? ['', '## Notes', '', ...r.notes.map((n) => `- ${n}`)] : []),
    '',
  ];
  return lines.join('\n');
}
